import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { WizardApp } from '../../source/ui/app.js';
import { KeyRouter, KEY_MAX_AGE_MS, LATER } from '../../source/ui/key-router.js';
import { ENTER, TARGETS, deferred, fakeBackend, previewFor, tick, waitForFrame, type FakeOptions } from './ui-support.js';

vi.setConfig({ testTimeout: 20_000 });

// Keys that arrive together, and keys typed while the next screen loads: each
// goes to the screen that is there when its turn comes, and a loading screen
// keeps the keys meant for it. Before the key router, the second Enter of a
// burst went to the screen the first one closed, and keys typed during a load
// were dropped.

function mount(options: FakeOptions = {}) {
	const backend = fakeBackend(options);
	const onExit = vi.fn();
	const app = render(<WizardApp backend={backend} options={{ preselect: { containers: ['app-1'], labels: [] } }} onExit={onExit} />);
	return { ...app, backend, onExit };
}

afterEach(() => {
	cleanup();
});

describe('keys in bursts and during loads', () => {
	it('"Enter Enter" in one chunk on the container screen picks the containers, then the proposed version once the versions are listed', async () => {
		const versions = deferred<typeof TARGETS>();
		const { lastFrame, stdin, backend } = mount({ targets: () => versions.promise });
		await waitForFrame(lastFrame, '[x] app-1');
		await tick();
		stdin.write(`${ENTER}${ENTER}`);
		await waitForFrame(lastFrame, 'Asking the registry for the versions of app-1');
		await tick(100);
		expect(backend.calls.preview).toEqual([]);
		versions.resolve(TARGETS);
		await waitForFrame(lastFrame, 'The plan');
		expect(backend.calls.preview).toEqual([[['app-1'], '1.7.0']]);
	});

	it('a key typed while the versions load is kept for the version screen: j then Enter chooses the second row', async () => {
		const versions = deferred<typeof TARGETS>();
		const { lastFrame, stdin, backend } = mount({ targets: () => versions.promise });
		await waitForFrame(lastFrame, '[x] app-1');
		await tick();
		stdin.write(ENTER);
		await waitForFrame(lastFrame, 'Asking the registry');
		stdin.write('j');
		await tick(30);
		stdin.write(ENTER);
		await tick(100);
		versions.resolve(TARGETS);
		await waitForFrame(lastFrame, 'The plan');
		// 1.7.0 is proposed; one row down is 1.6.2.
		expect(backend.calls.preview).toEqual([[['app-1'], '1.6.2']]);
	});

	it('q still quits at once while a screen loads', async () => {
		const plan = deferred<ReturnType<typeof previewFor>>();
		const { lastFrame, stdin, onExit } = mount({ preview: () => plan.promise });
		await waitForFrame(lastFrame, '[x] app-1');
		await tick();
		stdin.write(`${ENTER}${ENTER}`);
		await waitForFrame(lastFrame, 'Planning the upgrade to 1.7.0');
		stdin.write('q');
		await tick(100);
		expect(onExit).toHaveBeenCalledWith(2);
	});
});

describe('the key router', () => {
	const key = { return: false } as never;
	const flush = () => new Promise((resolve) => setTimeout(resolve, 5));

	it('hands out one key per turn, keeps keys nobody can take yet, and drops keys older than its limit', async () => {
		let now = 0;
		const router = new KeyRouter(() => now);
		const seen: string[] = [];
		let loading = true;
		router.register({ handler: () => (input) => (loading ? LATER : void seen.push(input)), active: () => true });
		router.push([['a', key], ['b', key]]);
		await flush();
		expect(seen).toEqual([]);
		expect(router.pending).toBe(2);
		loading = false;
		router.poke();
		for (let i = 0; i < 4; i++) await flush();
		expect(seen).toEqual(['a', 'b']);
		router.push([['c', key]]);
		now += KEY_MAX_AGE_MS + 1;
		for (let i = 0; i < 3; i++) await flush();
		expect(seen).toEqual(['a', 'b']);
		expect(router.pending).toBe(0);
	});
});
