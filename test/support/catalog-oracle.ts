/** Facts computed straight from the catalog JSON, to check the API against an independent source. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface SourceService {
  code: string;
  ministry: string;
  sector: string;
  category: string;
  name: { es: string; fr: string; en: string };
  expedition_amount: number;
  renewal_amount: number;
  flags?: string[];
}

export const catalogSource = JSON.parse(readFileSync(path.resolve(__dirname, '../../migrations/seed/fiscal-services.json'), 'utf8')) as {
  ministries: { code: string }[];
  sectors: { code: string }[];
  categories: { code: string }[];
  services: SourceService[];
};

const BLOCKING = ['zero_amounts_in_source', 'suspect_small_amount', 'non_integer_amount', 'amount_unit_usd_in_name', 'empty_name', 'spreadsheet_artifact_name'];

export function expectedPayable(s: SourceService): boolean {
  const usable = (a: number) => Number.isInteger(a) && a > 0;
  return !(s.flags ?? []).some((f) => BLOCKING.includes(f)) && (usable(s.expedition_amount) || usable(s.renewal_amount));
}
