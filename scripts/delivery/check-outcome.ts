/** The verdict of one go-live check, shared by the live checks and the repository checks. */

export type Status = 'GO' | 'NO-GO' | 'N/A';

export interface CheckOutcome {
  /** The check's id, named in docs/GO-LIVE.md (set by runChecks). */
  id?: string;
  check: string;
  status: Status;
  detail: string;
}
