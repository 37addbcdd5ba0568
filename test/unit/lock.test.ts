import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { acquireEngineLock } from '../../source/core/journal/lock.js';
import { UsageError } from '../../source/core/errors.js';

describe('engine lock', () => {
	it('refuses a second holder and names the first', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'uw-lock-'));
		const first = await acquireEngineLock(dir, 'unix:///var/run/docker.sock');
		const second = acquireEngineLock(dir, 'unix:///var/run/docker.sock');
		await expect(second).rejects.toBeInstanceOf(UsageError);
		await expect(second).rejects.toThrow(new RegExp(`pid ${process.pid} .* since`));
		await first.release();
		const third = await acquireEngineLock(dir, 'unix:///var/run/docker.sock');
		await third.release();
	});

	it('takes over a stale lock left by a dead process', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'uw-lock-'));
		const held = await acquireEngineLock(dir, 'tcp://127.0.0.1:2375');
		const [file] = readdirSync(join(dir, 'locks'));
		// pid 2^22+1 is above Linux's pid_max default: no such process.
		writeFileSync(join(dir, 'locks', file!), JSON.stringify({ pid: 4194305, host: hostname(), user: 'x', since: 'then', engine: 'tcp://127.0.0.1:2375' }));
		const lock = await acquireEngineLock(dir, 'tcp://127.0.0.1:2375');
		await lock.release();
		await held.release();
	});

	it('keeps separate locks per engine', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'uw-lock-'));
		const a = await acquireEngineLock(dir, 'unix:///a.sock');
		const b = await acquireEngineLock(dir, 'unix:///b.sock');
		await a.release();
		await b.release();
	});
});
