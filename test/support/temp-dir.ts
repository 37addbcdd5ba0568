import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

// Scratch directories under the system temp dir (state homes, fake engines'
// files), removed when the test file that made them is done: a suite that runs
// hundreds of wizards must not leave hundreds of directories behind.

const made: string[] = [];

export function tempDir(prefix: string): string {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	made.push(dir);
	return dir;
}

/** Registered by test/support/temp-dir-cleanup.ts, a setup file of every project. */
export function removeTempDirs(): void {
	for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function cleanUpAfterFile(): void {
	afterAll(removeTempDirs);
}
