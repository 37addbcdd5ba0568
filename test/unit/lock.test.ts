import { describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { acquireEngineLock } from '../../source/core/journal/lock.js';
import { UsageError } from '../../source/core/errors.js';
import { tempDir } from '../support/temp-dir.js';

describe('engine lock', () => {
	it('refuses a second holder and names the first', async () => {
		const dir = tempDir('uw-lock-');
		const first = await acquireEngineLock(dir, 'unix:///var/run/docker.sock');
		const second = acquireEngineLock(dir, 'unix:///var/run/docker.sock');
		await expect(second).rejects.toBeInstanceOf(UsageError);
		await expect(second).rejects.toThrow(new RegExp(`pid ${process.pid} .* since`));
		await first.release();
		const third = await acquireEngineLock(dir, 'unix:///var/run/docker.sock');
		await third.release();
	});

	it('takes over a stale lock left by a dead process', async () => {
		const dir = tempDir('uw-lock-');
		const held = await acquireEngineLock(dir, 'tcp://127.0.0.1:2375');
		const [file] = readdirSync(join(dir, 'locks'));
		// pid 2^22+1 is above Linux's pid_max default: no such process.
		writeFileSync(join(dir, 'locks', file!), JSON.stringify({ pid: 4194305, host: hostname(), user: 'x', since: 'then', engine: 'tcp://127.0.0.1:2375' }));
		const lock = await acquireEngineLock(dir, 'tcp://127.0.0.1:2375');
		await lock.release();
		await held.release();
	});

	it('keeps separate locks per engine', async () => {
		const dir = tempDir('uw-lock-');
		const a = await acquireEngineLock(dir, 'unix:///a.sock');
		const b = await acquireEngineLock(dir, 'unix:///b.sock');
		await a.release();
		await b.release();
	});
});

describe('lock over a store', () => {
	async function memoryStore(existing?: Record<string, unknown>) {
		const { acquireLock } = await import('../../source/core/journal/lock.js');
		let held: any = existing;
		const store = {
			where: 'memory',
			breakCommand: 'docker rm upgrade-wizard-lock',
			create: async (info: unknown) => (held ? false : ((held = info), true)),
			read: async () => held,
			remove: async () => {
				held = undefined;
			},
		};
		return { acquireLock, store, held: () => held };
	}

	it("shows another host's lock with its age and the command that breaks it", async () => {
		const since = new Date(Date.now() - 30 * 60_000).toISOString();
		const { acquireLock, store } = await memoryStore({ pid: 1, host: 'other-host', user: 'ops', since, engine: 'tcp://db:2376' });
		await expect(acquireLock(store, 'tcp://db:2376')).rejects.toThrow(/pid 1 of ops@other-host since .*held from another host for 30 min: if that run is gone, break it with: docker rm upgrade-wizard-lock/);
	});

	it('takes over a dead local holder, and releases what it took', async () => {
		const { acquireLock, store, held } = await memoryStore({ pid: 4194305, host: hostname(), user: 'x', since: 'then', engine: 'e' });
		const lock = await acquireLock(store, 'e');
		expect(held()).toMatchObject({ pid: process.pid, engine: 'e' });
		await lock.release();
		expect(held()).toBeUndefined();
	});
});
