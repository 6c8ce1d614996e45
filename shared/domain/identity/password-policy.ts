/** The minimum strength a new password must have, with messages that say what is missing. */

const COMMON = new Set([
  'password',
  'password1',
  'password123',
  '123456789',
  '1234567890',
  'qwertyuiop',
  'contraseña',
  'motdepasse',
  'taxasge123',
  'iloveyou12',
]);

/** Problems with the password; empty when it is acceptable. */
export function passwordProblems(password: string, email?: string): string[] {
  const problems: string[] = [];
  if (password.length < 10) problems.push('at least 10 characters');
  if (password.length > 128) problems.push('at most 128 characters');
  if (!/\p{L}/u.test(password) || !/[\p{N}\p{P}\p{S}]/u.test(password)) problems.push('letters and at least one digit or symbol');
  if (COMMON.has(password.toLowerCase())) problems.push('not a commonly used password');
  const local = email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && password.toLowerCase().includes(local)) problems.push('not containing your email address');
  return problems;
}
