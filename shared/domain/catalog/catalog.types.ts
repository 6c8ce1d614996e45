/** The catalog as the domain sees it: languages, names, fees in integer XAF. */

import type { Language } from '../../ports/language';

export type Names = Record<Language, string>;

export interface TaxonomyNode {
  code: string;
  names: Names;
}

export interface Taxonomy {
  version: number;
  ministries: (TaxonomyNode & { sectors: string[] })[];
  sectors: (TaxonomyNode & { ministry: string; categories: string[] })[];
  categories: (TaxonomyNode & { sector: string })[];
}

export interface ServiceRecord {
  code: string;
  ministry: string;
  sector: string;
  category: string;
  names: Names;
  expeditionAmount: number | null;
  renewalAmount: number | null;
  sourceExpeditionAmount: string;
  sourceRenewalAmount: string;
  requiredDocuments: Record<Language, string[]>;
  flags: string[];
  sameNameInCategory: string[];
  exactDuplicateOf: string[];
  active: boolean;
  payableOnline: boolean;
  catalogVersion: number;
}

export interface ServiceFilter {
  /** Free text: every word must appear in a name in some language, ignoring case and accents. */
  search?: string;
  ministry?: string;
  sector?: string;
  category?: string;
}

export interface ServiceCounts {
  code: string;
  services: number;
  payableOnline: number;
}
