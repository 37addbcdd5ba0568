// The part of tar-stream 2 (no types of its own) that the archive readers use (through tar-extract.ts).
declare module 'tar-stream' {
	import type { Readable, Writable } from 'node:stream';
	export interface Headers {
		name: string;
		size?: number;
		type?: 'file' | 'link' | 'symlink' | 'directory' | 'character-device' | 'block-device' | 'fifo' | 'contiguous-file' | 'pax-header' | 'pax-global-header' | 'gnu-long-link-path' | 'gnu-long-path' | null;
		linkname?: string | null;
	}
	export interface Extract extends Writable {
		on(event: 'entry', listener: (headers: Headers, stream: Readable, next: () => void) => void): this;
		on(event: 'finish' | 'close', listener: () => void): this;
		on(event: 'error', listener: (error: Error) => void): this;
		on(event: string, listener: (...args: unknown[]) => void): this;
		destroy(error?: Error): this;
	}
	export function extract(): Extract;
}
