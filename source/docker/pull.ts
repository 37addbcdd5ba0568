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
	/** The engine started retrying a broken layer download (said once: it can take over a minute). */
	onRetry?: (message: string) => void;
}

export class PullError extends Error {}

/**
 * The engine retries a layer download that broke off (five times, waiting 5,
 * 10, ... 25 s: over a minute when the registry is gone), showing only a
 * countdown "Retrying in N seconds". Counting the rounds lets the final error
 * say why the pull took so long and that it broke off mid-download.
 */
export class PullRetries {
	private readonly last = new Map<string, number>();
	private readonly rounds = new Map<string, number>();

	update(message: PullMessage): void {
		const match = /^Retrying in (\d+) seconds?/.exec(message.status ?? '');
		if (!match || !message.id) return;
		const seconds = Number(match[1]);
		// A countdown that starts again from a higher number is the next round.
		if (seconds > (this.last.get(message.id) ?? 0)) this.rounds.set(message.id, (this.rounds.get(message.id) ?? 0) + 1);
		this.last.set(message.id, seconds);
	}

	/** The most retries any one layer needed. */
	get count(): number {
		return Math.max(0, ...this.rounds.values());
	}
}

/** The one line for a failed pull: the engine's reason, and the retries it took to give up. */
export function pullFailure(ref: string, reason: string, retries: number): string {
	const after = retries > 0 ? ` (a layer download broke off; the engine retried it ${retries} time${retries === 1 ? '' : 's'} before giving up)` : '';
	return `pull of ${ref} failed: ${oneLine(reason)}${after}`;
}

/**
 * Pull an image, reporting aggregated progress. dockerode's followProgress
 * resolves even when the stream carries an errorDetail, so every message is
 * checked here.
 */
export async function pullImage(docker: Docker, ref: string, options: PullOptions = {}): Promise<PullProgress> {
	const aggregator = new PullProgressAggregator();
	const retries = new PullRetries();
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
				if (error) return reject(new PullError(pullFailure(ref, error.message, retries.count)));
				if (failure) return reject(new PullError(pullFailure(ref, failure, retries.count)));
				const done = aggregator.complete();
				options.onProgress?.(done);
				resolve(done);
			},
			(message: PullMessage) => {
				const before = retries.count;
				retries.update(message);
				if (before === 0 && retries.count === 1) {
					options.onRetry?.(`pulling ${ref}: a layer download broke off and the engine is retrying it (up to 5 times, over a minute in all) before it gives up`);
				}
				const error = aggregator.update(message);
				if (error) failure ??= error;
				else options.onProgress?.(aggregator.snapshot(true));
			},
		);
	});
}
