import { resolveAppHome } from '../home/app-home.js';
import { gatherDoctorReport, type DoctorReport } from '../server/doctor-report.js';
import { loadServerConfig } from '../server/load-server-config.js';
import { formatBytes } from '../api/format-bytes.js';
import { installRuntime } from '../server/runtime/install-runtime.js';
import type { CliOutput } from './cli-output.js';
import { parseCliArgs } from './parse-cli-args.js';

export const DOCTOR_USAGE = `Usage: mlx-factory doctor [--install] [-m MODEL] [--json]

  Shows what the model server needs and what is missing, with the fix for each.
  --install   create the Python runtime (a venv in the app folder with the tested mlx + mlx-lm),
              showing pip's progress, then check again
  -m MODEL    check this model instead of server.model
  --json      the report as one JSON object`;

const DOCTOR_OPTIONS = {
  install: { type: 'boolean' },
  model: { type: 'string', short: 'm' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface DoctorContext {
  readonly cwd: string;
  readonly output: CliOutput;
  readonly signal: AbortSignal;
  readonly home?: string;
}

const MARK = { ok: '✔', warn: '!', missing: '✘' } as const;

export function formatDoctorReport(report: DoctorReport): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${MARK[check.status]} ${check.label.padEnd(20)} ${check.found}`);
    if (check.fix !== null) lines.push(`  ${''.padEnd(20)} fix: ${check.fix}`);
  }
  const rejected = report.tried.filter((t) => t.verdict !== 'usable');
  if (rejected.length > 0) {
    lines.push('', 'Python interpreters looked at:');
    for (const t of report.tried) lines.push(`  ${t.verdict === 'usable' ? 'used' : 'skip'}  ${t.path} [${t.source}]: ${t.detail}`);
  }
  lines.push('', 'Local models:');
  if (report.localModels.length === 0) lines.push('  (none in the Hugging Face cache)');
  for (const m of report.localModels)
    lines.push(`  ${m.id}  ${formatBytes(m.sizeBytes)}${m.loadable ? '' : `  (cannot load: ${m.problem ?? '?'})`}`);
  lines.push('', 'Recommended models:');
  for (const m of report.recommended) {
    lines.push(
      `  ${m.id}  ~${formatBytes(m.weightsBytes)}, for ${formatBytes(m.minMachineBytes)}+ Macs — ${m.note}${m.isDefault ? ' (default)' : ''}`,
    );
  }
  lines.push(
    '',
    report.ok ? 'Everything needed to run the model server is in place.' : 'Something needed is missing: see the fixes above.',
  );
  return `${lines.join('\n')}\n`;
}

export async function doctorCommand(args: readonly string[], context: DoctorContext): Promise<number> {
  const { values, positionals } = parseCliArgs(args, DOCTOR_OPTIONS, DOCTOR_USAGE);
  if (values.help === true) {
    context.output.out(`${DOCTOR_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) {
    context.output.err(`mlx-factory doctor: unexpected argument "${positionals[0] ?? ''}".\n\n${DOCTOR_USAGE}\n`);
    return 2;
  }
  const home = context.home ?? resolveAppHome();
  const { config } = await loadServerConfig(context.cwd, home);
  if (values.install === true) {
    // Progress goes to stderr so that `--install --json` still prints only the report on stdout.
    // pip's bar redraws many times a second: one every 2 s (and the finished one) is enough here.
    let lastRedraw = 0;
    await installRuntime({
      home,
      configPython: config.server.python,
      signal: context.signal,
      onProgress: (progress) => {
        const finished = progress.download !== null && progress.download.doneBytes >= progress.download.totalBytes;
        if (progress.redraw && !finished && Date.now() - lastRedraw < 2000) return;
        if (progress.redraw) lastRedraw = Date.now();
        context.output.err(`[${progress.phase}] ${progress.line}\n`);
      },
    });
  }
  const report = await gatherDoctorReport({ config, home, model: values.model, cwd: context.cwd });
  context.output.out(values.json === true ? `${JSON.stringify(report)}\n` : formatDoctorReport(report));
  return report.ok ? 0 : 1;
}
