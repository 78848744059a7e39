/** Where the CLI writes; injectable so commands can be run in-process by tests and the bench. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
  readonly isTty: boolean;
}

export const processOutput: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTty: process.stdout.isTTY === true,
};
