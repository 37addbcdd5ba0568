import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../../core/journal/atomic-file.js';
import type { FileCopy } from './unit.js';
import type { FileEdit } from './types.js';

// The compose files and the env file are the operator's, so every change to
// them is reversible byte for byte: a copy (0600, it may hold passwords) is
// written and fsynced before the file changes, and the journal knows both
// checksums, which tells an undo whether the file on disk is the one before,
// the one after, or someone else's.

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** sha256 of the file now; undefined when it does not exist. */
export async function fileSha(path: string): Promise<string | undefined> {
	try {
		return sha256(await readFile(path, 'utf8'));
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
}

/** sha256 of "no file": an env file the edit creates. */
export const NO_FILE = 'absent';

/** Copy each file about to change into `dir`, then verify the copy; nothing is written to the files themselves. */
export async function saveCopies(edits: FileEdit[], dir: string): Promise<FileCopy[]> {
	await mkdir(dir, { recursive: true, mode: 0o700 });
	const copies: FileCopy[] = [];
	for (const [index, edit] of edits.entries()) {
		const copy = join(dir, `${index + 1}-${basename(edit.path)}`);
		const created = edit.before === undefined;
		if (!created) {
			await copyFile(edit.path, copy);
			await chmod(copy, 0o600);
			const copied = await readFile(copy, 'utf8');
			if (copied !== edit.before) throw new Error(`${edit.path} changed while the wizard copied it; nothing was edited`);
		}
		copies.push({ path: edit.path, copy, sha256Before: created ? NO_FILE : sha256(edit.before!), sha256After: sha256(edit.after), ...(created && { created: true }) });
	}
	return copies;
}

/** Write the edits, each file replaced atomically with its mode kept. */
export async function writeEdits(edits: FileEdit[]): Promise<void> {
	for (const edit of edits) {
		const mode = edit.before === undefined ? 0o644 : (await stat(edit.path)).mode & 0o7777;
		await writeFileAtomic(edit.path, edit.after, mode);
	}
}

/**
 * Put one file back as it was. Idempotent: a file already as before is left
 * alone; one that is neither before nor after was changed by someone else
 * since, and is not overwritten (the copy stays where it is).
 */
export async function restoreCopy(file: FileCopy): Promise<'restored' | 'already'> {
	const now = await fileSha(file.path);
	const before = file.created ? undefined : file.sha256Before;
	if (now === before) return 'already';
	if (now !== file.sha256After) {
		throw new Error(`${file.path} changed since the wizard edited it (neither the version before nor the one it wrote); the copy of the original is ${file.copy}`);
	}
	if (file.created) {
		await unlink(file.path);
		return 'restored';
	}
	const text = await readFile(file.copy, 'utf8');
	if (sha256(text) !== file.sha256Before) throw new Error(`the copy ${file.copy} does not match the checksum the journal recorded`);
	const mode = (await stat(file.path)).mode & 0o7777;
	await writeFileAtomic(file.path, text, mode);
	return 'restored';
}

/** In words, which version of each file is on disk now (recover shows it). */
export async function filesNow(files: FileCopy[]): Promise<string[]> {
	const lines: string[] = [];
	for (const file of files) {
		const now = await fileSha(file.path).catch(() => 'unreadable');
		const which = now === (file.created ? undefined : file.sha256Before) ? 'as before the run' : now === file.sha256After ? "as the run wrote it" : 'changed by someone else';
		lines.push(`file ${file.path}: ${which} (copy ${file.copy})`);
	}
	return lines;
}
