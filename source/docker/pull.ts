import type Docker from 'dockerode';
import type { PullProgress } from '../core/events.js';
import { PullProgressAggregator, type PullMessage } from './pull-progress.js';
import { engineMessage } from './engine.js';
import { oneLine } from '../core/errors.js';

export interface RegistryAuth {
	username?: string;
	password?: string;
	identitytoken?: string;
	serveraddress: string;
}

export interface PullOptions {
	auth?: RegistryAuth;
	onProgress?: (progress: PullProgress) => void;
	/** The pull as a whole is bounded: a stalled registry must not hang the run. */
	timeoutMs?: number;
	/** Operator abort: the pull is cancelled (nothing has stopped yet). */
	signal?: AbortSignal;
}

export class PullError extends Error {}

/**
 * Pull an image, reporting aggregated progress. dockerode's followProgress
 * resolves even when the stream carries an errorDetail, so every message is
 * checked here.
 */
export async function pullImage(docker: Docker, ref: string, options: PullOptions = {}): Promise<PullProgress> {
	const aggregator = new PullProgressAggregator();
	const timeoutMs = options.timeoutMs ?? 30 * 60_000;
	let stream: NodeJS.ReadableStream;
	if (options.signal?.aborted) throw new PullError(`pull of ${ref} cancelled: aborted by the operator`);
	try {
		stream = (await docker.pull(ref, options.auth ? { authconfig: options.auth } : {})) as NodeJS.ReadableStream;
	} catch (error) {
		throw new PullError(`pull of ${ref} failed: ${engineMessage(error)}`);
	}
	return await new Promise<PullProgress>((resolve, reject) => {
		let failure: string | undefined;
		const stop = (why: string) => {
			(stream as unknown as { destroy?: () => void }).destroy?.();
			reject(new PullError(`pull of ${ref} ${why}`));
		};
		const timer = setTimeout(() => stop(`did not finish within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
		// Closing the stream makes the engine cancel the pull.
		const onAbort = () => stop('cancelled: aborted by the operator');
		options.signal?.addEventListener('abort', onAbort, { once: true });
		docker.modem.followProgress(
			stream,
			(error: Error | null) => {
				clearTimeout(timer);
				options.signal?.removeEventListener('abort', onAbort);
				if (error) return reject(new PullError(`pull of ${ref} failed: ${oneLine(error.message)}`));
				if (failure) return reject(new PullError(`pull of ${ref} failed: ${oneLine(failure)}`));
				const done = aggregator.complete();
				options.onProgress?.(done);
				resolve(done);
			},
			(message: PullMessage) => {
				const error = aggregator.update(message);
				if (error) failure ??= error;
				else options.onProgress?.(aggregator.snapshot(true));
			},
		);
	});
}
