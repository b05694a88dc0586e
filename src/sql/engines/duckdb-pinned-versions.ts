/**
 * The versions of the declared files one DuckDB snapshot reads (`DuckDbEngine.snapshot`): pinned at its first
 * statement, checked by every later one (the rule: `DuckDbEngine.snapshot`).
 * @module
 */
import type { DpError } from '../../core/errors.js';
import { type FileIdentity, fileIdentity, sameIdentity } from './line-check.js';

/** The identities of a snapshot's files: recorded by the first `check`, compared by each later one. */
export class PinnedVersions {
  private pinned: readonly FileIdentity[] | undefined;

  /**
   * @param files - the declared files (resolved paths).
   * @param fail - the engine's one error.
   */
  constructor(
    private readonly files: readonly string[],
    private readonly fail: () => DpError<'ENGINE_ERROR'>,
  ) {}

  /**
   * Pins the files' versions (the first call) or checks that none moved since (every later call).
   * @throws DpError ENGINE_ERROR (`fail`) when a file changed or cannot be read.
   */
  async check(): Promise<void> {
    let now: FileIdentity[];
    try {
      now = await Promise.all(this.files.map((f) => fileIdentity(f)));
    } catch {
      throw this.fail();
    }
    const pinned = this.pinned;
    if (pinned === undefined) {
      this.pinned = now;
      return;
    }
    if (now.some((id, i) => !sameIdentity(id, pinned[i] as FileIdentity))) throw this.fail();
  }
}
