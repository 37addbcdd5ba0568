import { open, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/**
 * Replace a file atomically: write a sibling temp file, fsync it, rename over
 * the target. A crash leaves either the old or the new content, never half.
 */
export async function writeFileAtomic(path: string, content: string, mode = 0o600): Promise<void> {
	const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
	const handle = await open(temp, 'w', mode);
	try {
		await handle.writeFile(content);
		await handle.sync();
	} finally {
		await handle.close();
	}
	try {
		await rename(temp, path);
	} catch (error) {
		await unlink(temp).catch(() => undefined);
		throw error;
	}
}
