import { chmod, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writePrivateFile } from './backup-files.js';
import { hashDumpDirectory, manifestText, sha256Text } from './dump-manifest.js';
import type { ProcessResult } from './docker-exec.js';
import type { ToolRunner } from './tool-runner.js';

// pg_dump -Fd -j N: the leader takes the exported snapshot the row counts were
// read in (--snapshot), each worker imports it and dumps whole tables, one
// file each, so the dump and the counts describe the same instant. pg_dump
// makes the directory itself (0700, files 0600) and refuses one that exists,
// so an old dump is never written into. Its checksum is the manifest of
// dump-manifest.ts, computed from the files once pg_dump is done.

export interface DirectoryDumpInput {
	runner: ToolRunner;
	/** The directory pg_dump creates: <backup-dir>/<stem>.dir. */
	path: string;
	snapshot: string;
	jobs: number;
	signal?: AbortSignal;
	onProgress?: (bytes: number, elapsedMs: number) => void;
}

export interface DirectoryDump {
	sizeBytes: number;
	files: number;
	/** sha256 of the manifest's text. */
	sha256: string;
	/** <path>.sha256: the manifest. */
	manifestPath: string;
}

const PROGRESS_INTERVAL_MS = 500;

async function directoryBytes(path: string): Promise<number> {
	const names = await readdir(path).catch(() => [] as string[]);
	const sizes = await Promise.all(names.map((name) => stat(join(path, name)).then((info) => info.size, () => 0)));
	return sizes.reduce((sum, size) => sum + size, 0);
}

/** Run pg_dump into the directory; resolves to its result, progress reported from the files' sizes as they grow. */
export async function runDirectoryDump(input: DirectoryDumpInput): Promise<ProcessResult> {
	const startedAt = Date.now();
	const timer = input.onProgress
		? setInterval(() => {
				directoryBytes(input.path).then((bytes) => input.onProgress?.(bytes, Date.now() - startedAt), () => undefined);
			}, PROGRESS_INTERVAL_MS)
		: undefined;
	try {
		return await input.runner.run(
			'pg_dump',
			['--format=directory', `--jobs=${input.jobs}`, '--no-password', `--snapshot=${input.snapshot}`, `--file=${input.path}`],
			{ signal: input.signal, privateFiles: true },
		);
	} finally {
		if (timer) clearInterval(timer);
	}
}

/** Hash every file and write the manifest beside the directory (0600, never over an existing one). */
export async function sealDirectoryDump(path: string): Promise<DirectoryDump> {
	// Already 0600 (umask 077 at spawn); made sure of, for a pg_dump that sets modes of its own.
	for (const name of await readdir(path)) await chmod(join(path, name), 0o600);
	await chmod(path, 0o700);
	const entries = await hashDumpDirectory(path);
	const text = manifestText(basename(path), entries);
	const manifestPath = `${path}.sha256`;
	await writePrivateFile(manifestPath, text);
	return {
		sizeBytes: entries.reduce((sum, entry) => sum + entry.bytes, 0),
		files: entries.length,
		sha256: sha256Text(text),
		manifestPath,
	};
}
