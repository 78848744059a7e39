import type { CliOutput } from './cli-output.js';

/**
 * What we print comes in part from the model, from checks and from file names in a repository: all
 * hostile. A terminal acts on escape sequences (move the cursor to overwrite earlier lines, set the
 * window title, write the clipboard with OSC 52, …) and shows bidi controls as reordered text, so
 * everything is passed through here. Kept: text, tabs, newlines and colour (SGR) sequences; removed:
 * every other escape sequence; shown as `\uXXXX`: other control characters, C1 controls, and the
 * bidi/invisible format characters. Raw control characters never occur in JSON.stringify's output,
 * and `\uXXXX` is the escape JSON itself uses, so `--json` lines stay valid and mean the same.
 */
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[PX^_][^\u001b]*(?:\u001b\\)?|[ -/]*[0-~]?)/g;
const SGR = /^\u001b\[[0-9;]*m$/;
// C0 controls but tab and newline, a carriage return not ending a line, DEL, C1, bidi and invisible format characters.
const UNSAFE_CHARACTER =
  /[\u0000-\u0008\u000b-\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|\r(?!\n)/g;

function sanitizeForTerminal(text: string): string {
  return text
    .replace(ESCAPE_SEQUENCE, (sequence) => (SGR.test(sequence) ? sequence : ''))
    .replace(UNSAFE_CHARACTER, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function sanitizingOutput(output: CliOutput): CliOutput {
  return {
    out: (text) => output.out(sanitizeForTerminal(text)),
    err: (text) => output.err(sanitizeForTerminal(text)),
    isTty: output.isTty,
  };
}
