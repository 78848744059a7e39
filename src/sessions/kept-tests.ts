/** Tests first: the acceptance tests kept and their failing run on the base. */
export interface KeptTests {
  readonly files: readonly string[];
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly output: string;
}
