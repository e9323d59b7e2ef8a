import type { Dialect } from '@xrd/forge-sim';

/**
 * The forge-sim dialects `xrd demo` runs, in order: all of forge-sim's but ghes-3.20, which it serves
 * exactly like ghes-3.19. Kept apart, and a literal rather than derived from forge-sim's `DIALECTS`,
 * so that --help does not load the demo: importing the value would run forge-sim's whole module graph
 * at every start (measured: about 8 ms of the bundle's ~90 ms `xrd --version`). The types below tie
 * the list to forge-sim's `Dialect` instead.
 */
export const DEMO_DIALECTS = [
  'github',
  'ghes-3.19',
  'gitea-1.24',
  'gitea-1.25',
  'gitea-1.26',
  'forgejo',
] as const satisfies readonly Dialect[];

export type DemoDialect = (typeof DEMO_DIALECTS)[number];

/** Default speed-up of simulated time: the sample's ~4 s runs take about a second. Here, not in
 * demo.ts, so --help can say it without loading the demo. */
export const DEMO_TIME_SCALE = 4;

// Every forge-sim dialect but ghes-3.20 must be in the list: while one is missing, the check below
// fails the typecheck, naming it ("Type '…' does not satisfy the constraint 'never'").
type NoneMissing<Missing extends never> = Missing;
export type DemoCoversForgeSim = NoneMissing<Exclude<Dialect, DemoDialect | 'ghes-3.20'>>;
