/** Configuration problems, collected and reported all together at start-up. */

/** One thing wrong with the configuration, and how to fix it. */
export interface ConfigProblem {
  /** The environment variable (or option) at fault. */
  readonly variable: string;
  /** What is wrong, with secrets redacted. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
}

/** Thrown by `createNotifier`/`heraldPlugin` when the configuration has one or more problems. */
export class HeraldConfigError extends Error {
  override readonly name = 'HeraldConfigError';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(formatProblems(problems));
  }
}

/** One line per problem: `VARIABLE: what is wrong — fix`. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  const n = problems.length;
  const lines = problems.map((p) => `  - ${p.variable}: ${p.message}. Fix: ${p.fix}`);
  return `Herald configuration has ${n} problem${n === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}
