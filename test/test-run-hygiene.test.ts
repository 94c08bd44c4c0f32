import { tmpdir } from 'node:os';
import { sep } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

// A passing run leaves no temp folders behind: everything lands in the run's folder, which global teardown removes.
describe('test run temp files', () => {
  it('puts every temp dir of a test file (its DATA_DIR included) under the run folder that teardown removes', () => {
    const runTempDir = inject('runTempDir');
    expect(runTempDir).toMatch(/calls-run-/);
    expect(tmpdir().startsWith(runTempDir + sep) || tmpdir() === runTempDir).toBe(true);
    expect(process.env.DATA_DIR?.startsWith(runTempDir + sep)).toBe(true);
  });

  it('silences the AWS SDK Node-version warning in workers', () => {
    expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');
  });
});
