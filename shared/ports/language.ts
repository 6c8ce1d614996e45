/** The languages the service speaks (the catalog's names, messages, a person's locale): the vocabulary ports and domain share. */

export const LANGUAGES = ['es', 'fr', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
