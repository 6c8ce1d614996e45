/** Registers one property per (route, caller): anonymous, and an account of a role the route allows. */
import fc from 'fast-check';
import type { Role } from '../../../shared/domain/identity/roles';
import type { RouteDefinition } from '../../../shared/http/route';
import { createHostileApp, type HostileApp } from './hostile-app';
import { answerProblems, describeRequest, requestFor, sendRaw } from './hostile-requests';

/** ~30 runs per case keeps the whole hostile suite around a minute; HOSTILE_RUNS raises it for a longer hunt. */
const RUNS = Number(process.env.HOSTILE_RUNS ?? 30);

type Caller = 'anonymous' | Role;

function callersOf(route: RouteDefinition): Caller[] {
  return ['anonymous', route.roles === 'public' ? 'citizen' : route.roles[0]!];
}

export function hostileSuite(routes: readonly RouteDefinition[]): void {
  let h: HostileApp;
  beforeAll(async () => {
    h = await createHostileApp();
  });
  afterAll(() => h.close());

  const cases = routes.flatMap((route) =>
    callersOf(route).map((caller) => [`${route.method.toUpperCase()} ${route.path} as ${caller}`, route, caller] as const),
  );

  it('covers each route with an anonymous and an authenticated caller', () => {
    expect(cases.length).toBe(routes.length * 2);
  });

  it.each(cases)('%s: no 5xx, every error problem+json with code and detail', async (_name, route, caller) => {
    const token = caller === 'anonymous' ? undefined : h.accounts.get(caller)!.accessToken;
    const seen: number[] = [];
    await fc.assert(
      fc.asyncProperty(requestFor(route, token ? { token } : {}), async (req) => {
        const res = await sendRaw(h.portFor(route), req);
        if (process.env.HOSTILE_VERBOSE) seen.push(res.status);
        const problems = answerProblems(res);
        if (problems.length) throw new Error(`${problems.join('; ')}\n  request: ${describeRequest(req)}\n  answer: ${res.status} ${res.body.slice(0, 300)}`);
      }),
      { numRuns: RUNS },
    );
    if (process.env.HOSTILE_VERBOSE) console.log(_name, JSON.stringify(seen.reduce<Record<number, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {})));
  });
}
