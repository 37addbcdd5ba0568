import { describe, expect, it } from 'vitest';
import { PullProgressAggregator } from '../../source/docker/pull-progress.js';
import { pullFailure, PullRetries } from '../../source/docker/pull.js';

describe('PullProgressAggregator', () => {
	it('aggregates download and extraction of every layer into one figure', () => {
		const pull = new PullProgressAggregator();
		pull.update({ status: 'Pulling from acme/app', id: '1.7.0' });
		pull.update({ status: 'Pulling fs layer', id: 'a' });
		pull.update({ status: 'Pulling fs layer', id: 'b' });
		pull.update({ status: 'Downloading', id: 'a', progressDetail: { current: 50, total: 100 } });
		expect(pull.snapshot()).toMatchObject({ current: 50, total: 200, layersDone: 0, layersKnown: 2 });
		pull.update({ status: 'Downloading', id: 'b', progressDetail: { current: 100, total: 300 } });
		expect(pull.snapshot()).toMatchObject({ current: 150, total: 800 });
		pull.update({ status: 'Download complete', id: 'a' });
		pull.update({ status: 'Extracting', id: 'a', progressDetail: { current: 40, total: 100 } });
		expect(pull.snapshot()).toMatchObject({ current: 100 + 40 + 100, total: 800 });
		pull.update({ status: 'Pull complete', id: 'a' });
		expect(pull.snapshot()).toMatchObject({ current: 200 + 100, layersDone: 1 });
	});

	it('never goes backwards when a new layer grows the total', () => {
		const pull = new PullProgressAggregator();
		pull.update({ status: 'Downloading', id: 'a', progressDetail: { current: 90, total: 100 } });
		const first = pull.snapshot();
		pull.update({ status: 'Downloading', id: 'a', progressDetail: { current: 80, total: 100 } });
		const second = pull.snapshot();
		expect(second.current).toBeGreaterThanOrEqual(first.current);
	});

	it('counts layers that already exist as done and reports stream errors', () => {
		const pull = new PullProgressAggregator();
		pull.update({ status: 'Already exists', id: 'base' });
		expect(pull.snapshot()).toMatchObject({ layersDone: 1, layersKnown: 1 });
		expect(pull.update({ errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' })).toBe('manifest unknown');
	});

	it('ignores status lines that are not about a layer', () => {
		const pull = new PullProgressAggregator();
		pull.update({ status: 'Digest: sha256:abc' });
		pull.update({ status: 'Status: Downloaded newer image for x', id: undefined });
		expect(pull.snapshot()).toMatchObject({ current: 0, total: 0, layersKnown: 0 });
	});
});

describe('PullRetries', () => {
	it('counts the engine\'s retry rounds of a broken-off layer download, not its countdown ticks', () => {
		const retries = new PullRetries();
		expect(retries.count).toBe(0);
		for (const round of [5, 10, 15]) {
			for (let seconds = round; seconds >= 1; seconds--) retries.update({ status: `Retrying in ${seconds} second${seconds === 1 ? '' : 's'}`, id: 'big' });
		}
		retries.update({ status: 'Retrying in 5 seconds', id: 'other' });
		retries.update({ status: 'Downloading', id: 'big', progressDetail: { current: 1, total: 2 } });
		expect(retries.count).toBe(3);
	});

	it('says in the failure line that the download broke off and was retried', () => {
		expect(pullFailure('r/app:1', 'dial tcp 127.0.0.1:5077: connect: connection refused', 5)).toBe(
			'pull of r/app:1 failed: dial tcp 127.0.0.1:5077: connect: connection refused (a layer download broke off; the engine retried it 5 times before giving up)',
		);
		expect(pullFailure('r/app:1', 'manifest unknown\n', 0)).toBe('pull of r/app:1 failed: manifest unknown');
	});
});

describe('pullImage retry warning', () => {
	it('says once, at the first retry, that the engine is retrying a broken download', async () => {
		const { PassThrough } = await import('node:stream');
		const { pullImage } = await import('../../source/docker/pull.js');
		const messages = [
			{ status: 'Downloading', id: 'a', progressDetail: { current: 10, total: 100 } },
			{ status: 'Retrying in 5 seconds', id: 'a' },
			{ status: 'Retrying in 4 seconds', id: 'a' },
			{ status: 'Retrying in 10 seconds', id: 'a' },
			{ status: 'Pull complete', id: 'a' },
		];
		const docker = {
			pull: async () => new PassThrough(),
			modem: {
				followProgress: (_stream: unknown, done: (error: Error | null) => void, onMessage: (message: unknown) => void) => {
					for (const message of messages) onMessage(message);
					setImmediate(() => done(null));
				},
			},
		};
		const warnings: string[] = [];
		await pullImage(docker as never, 'r/app:1.7.0', { onRetry: (message) => warnings.push(message) });
		expect(warnings).toEqual([expect.stringMatching(/^pulling r\/app:1\.7\.0: a layer download broke off and the engine is retrying it/)]);
	});
});
