import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sha256File } from './backup-files.js';

// A directory-format dump is many files (toc.dat and one per table's data), so
// its checksum is a manifest: one sha256sum line per file, sorted by name,
// written beside the directory as <dir>.sha256 (`sha256sum -c` in the backup
// dir checks every file), and the sha256 of that manifest's text is the one
// figure the journal records. A file changed, added or removed after the
// backup fails the check before anything is restored.

export interface ManifestEntry {
	/** File name inside the dump directory. */
	name: string;
	sha256: string;
	bytes: number;
}

export function manifestText(dirName: string, entries: ManifestEntry[]): string {
	return [...entries]
		.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
		.map((entry) => `${entry.sha256}  ${dirName}/${entry.name}\n`)
		.join('');
}

export function sha256Text(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}

/** Hash every file of a dump directory, `parallel` at a time; a subdirectory or anything but a regular file is refused. */
export async function hashDumpDirectory(dir: string, parallel = 2): Promise<ManifestEntry[]> {
	const names = (await readdir(dir, { withFileTypes: true })).map((entry) => {
		if (!entry.isFile()) throw new Error(`${join(dir, entry.name)} is not a regular file: not something pg_dump writes`);
		return entry.name;
	});
	const entries: ManifestEntry[] = [];
	let next = 0;
	async function worker(): Promise<void> {
		while (next < names.length) {
			const name = names[next++]!;
			const path = join(dir, name);
			const [sha256, info] = await Promise.all([sha256File(path), stat(path)]);
			entries.push({ name, sha256, bytes: info.size });
		}
	}
	await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, names.length)) }, worker));
	return entries;
}

export function parseManifest(text: string, dirName: string): Map<string, string> | undefined {
	const files = new Map<string, string>();
	for (const line of text.split('\n')) {
		if (line === '') continue;
		const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
		if (!match || !match[2]!.startsWith(`${dirName}/`)) return undefined;
		const name = match[2]!.slice(dirName.length + 1);
		if (name.includes('/') || files.has(name)) return undefined;
		files.set(name, match[1]!);
	}
	return files;
}

/** What is wrong with a dump directory against its manifest and the recorded sha256 of it; empty when all is as written. */
export async function checkDumpDirectory(dir: string, manifestPath: string, recordedSha256: string): Promise<string[]> {
	const text = await readFile(manifestPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
		throw new Error(`cannot read the manifest ${manifestPath} (${error.code ?? error.message})`);
	});
	if (sha256Text(text) !== recordedSha256) return [`the manifest ${manifestPath} does not match its recorded sha256`];
	const expected = parseManifest(text, basename(dir));
	if (!expected || expected.size === 0) return [`the manifest ${manifestPath} is not a list of the dump's files`];
	const actual = await hashDumpDirectory(dir);
	const problems: string[] = [];
	const seen = new Set<string>();
	for (const entry of actual) {
		seen.add(entry.name);
		const want = expected.get(entry.name);
		if (want === undefined) problems.push(`${entry.name} is not in the manifest`);
		else if (want !== entry.sha256) problems.push(`${entry.name} does not match its sha256`);
	}
	for (const name of expected.keys()) if (!seen.has(name)) problems.push(`${name} is missing`);
	return problems.sort();
}
