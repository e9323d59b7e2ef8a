/** The forge-sim dialects `xrd demo` runs, in order (kept apart so --help does not load the demo). */
export const DEMO_DIALECTS = [
  'github',
  'ghes-3.19',
  'gitea-1.24',
  'gitea-1.25',
  'gitea-1.26',
  'forgejo',
] as const;

export type DemoDialect = (typeof DEMO_DIALECTS)[number];
