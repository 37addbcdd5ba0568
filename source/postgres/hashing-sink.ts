import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

// The custom-format dump (and an embedded server's tar) goes to disk through
// this sink, so the checksum is of exactly the bytes written, with no second
// read racing the writer.

const PROGRESS_INTERVAL_MS = 200;

/** Writes the dump to its file, hashing and counting as it goes. */
export class HashingFileSink extends Writable {
	readonly hash = createHash('sha256');
	bytes = 0;
	private lastProgress: number;

	constructor(
		private readonly handle: FileHandle,
		private readonly startedAt: number,
		private readonly onProgress?: (bytes: number, elapsedMs: number) => void,
	) {
		super({ highWaterMark: 1024 * 1024 });
		this.lastProgress = startedAt;
	}

	override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
		this.writeAll(chunk).then(() => done(), done);
	}

	private async writeAll(chunk: Buffer): Promise<void> {
		let offset = 0;
		while (offset < chunk.length) {
			const { bytesWritten } = await this.handle.write(chunk, offset, chunk.length - offset);
			offset += bytesWritten;
		}
		this.hash.update(chunk);
		this.bytes += chunk.length;
		const now = Date.now();
		if (this.onProgress && now - this.lastProgress >= PROGRESS_INTERVAL_MS) {
			this.lastProgress = now;
			this.onProgress(this.bytes, now - this.startedAt);
		}
	}

	override _final(done: (error?: Error | null) => void): void {
		// On disk before we call it a backup.
		this.handle.sync().then(() => done(), done);
	}
}
