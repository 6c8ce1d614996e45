/** The dominant language of a text among Spanish, French and English, by their commonest short words (Tesseract reports none). */

const STOPWORDS: Record<'es' | 'fr' | 'en', ReadonlySet<string>> = {
  es: new Set(['de', 'la', 'el', 'en', 'y', 'los', 'del', 'las', 'por', 'con', 'para', 'una', 'es', 'al', 'se', 'su', 'nombre', 'fecha', 'número']),
  fr: new Set(['de', 'la', 'le', 'et', 'les', 'des', 'du', 'en', 'un', 'une', 'pour', 'par', 'au', 'est', 'sur', 'nom', 'date', 'numéro']),
  en: new Set(['the', 'of', 'and', 'to', 'in', 'is', 'for', 'on', 'by', 'with', 'at', 'name', 'date', 'number', 'this']),
};

/** ISO 639-1 code, or undefined when the text has too few telling words. */
export function guessLanguage(text: string): string | undefined {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  const scores = Object.entries(STOPWORDS).map(([language, set]) => ({ language, score: words.filter((w) => set.has(w)).length }));
  scores.sort((a, b) => b.score - a.score);
  const [first, second] = scores;
  if (!first || first.score < 2 || first.score === second?.score) return undefined;
  return first.language;
}
