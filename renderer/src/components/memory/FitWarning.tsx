import type { DoctorCheck, MemorySample, ModelInfo } from '../../../../src/api/payloads.js';
import { formatBytes } from '../../lib/display-format.js';
import { Banner } from '../common/Banner.js';

/**
 * Will the model fit? The doctor's memory check when the host has one; else a rough estimate from
 * the model's size on disk against the memory available now.
 */
export function FitWarning({ check, model, sample }: { check: DoctorCheck | null; model: ModelInfo | null; sample: MemorySample | null }) {
  if (check !== null) {
    return (
      <Banner tone={check.status === 'ok' ? 'success' : check.status === 'warn' ? 'warning' : 'danger'}>
        <strong>Model fit:</strong> {check.detail}
        {check.fix !== null && <span className="fix"> — {check.fix}</span>}
      </Banner>
    );
  }
  if (model === null || model.sizeBytes === null || sample === null) return null;
  // Weights plus roughly a gigabyte for the KV cache and the runtime.
  const need = model.sizeBytes + 1024 ** 3;
  const available = sample.system.availableBytes + (sample.server?.bytes ?? 0);
  if (need <= available) {
    return (
      <Banner tone="success">
        <strong>Model fit:</strong> {model.id} needs about {formatBytes(need)}; {formatBytes(available)} is available to it.
      </Banner>
    );
  }
  return (
    <Banner tone="warning">
      <strong>Model fit:</strong> {model.id} needs about {formatBytes(need)} but only {formatBytes(available)} is available. Close other
      apps or pick a smaller model.
    </Banner>
  );
}
