/** The roles a person holds: what the routes allow and the tokens carry. */

export const ROLES = ['citizen', 'business', 'agent', 'supervisor', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];
