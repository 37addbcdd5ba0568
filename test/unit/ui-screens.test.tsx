import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { WizardApp, type WizardOptions } from '../../source/ui/app.js';
import {
	BACKSPACE,
	CONTAINERS,
	CTRL_C,
	DOWN,
	ENTER,
	ESC,
	NO_PRESELECT,
	TARGETS,
	fakeBackend,
	forever,
	press,
	tick,
	waitForFrame,
	type FakeOptions,
} from './ui-support.js';

// Whole flows through several screens: generous on a loaded machine.
vi.setConfig({ testTimeout: 20_000 });

// The screens before the run, each in its states (loading, empty, error,
// normal), and the keys that move through them. A fake backend: unit tests.

function mount(options: FakeOptions = {}, wizardOptions: WizardOptions = NO_PRESELECT) {
	const backend = fakeBackend(options);
	const onExit = vi.fn();
	const app = render(<WizardApp backend={backend} options={wizardOptions} onExit={onExit} />);
	return { ...app, backend, onExit };
}

/** The frame's line holding `name`'s row. */
function rowOf(frame: string, name: string): string {
	return frame.split('\n').find((line) => new RegExp(`\\] ${name}\\b`).test(line)) ?? '';
}

afterEach(() => {
	cleanup();
});

describe('engine screen', () => {
	it('says it is connecting while the engine has not answered', async () => {
		const { lastFrame } = mount({ connect: () => forever() });
		await waitForFrame(lastFrame, 'Connecting to the Docker engine');
		expect(lastFrame()).toContain('[1 Engine]');
		expect(lastFrame()).toContain('engine: not connected yet');
	});

	it('shows the error with its fix, retries with r and then moves on', async () => {
		let attempts = 0;
		const { lastFrame, stdin, backend } = mount({
			connect: async () => {
				attempts++;
				if (attempts === 1) {
					// The shape connect() rejects with when an engine does not answer (EngineProblem).
					throw Object.assign(new Error('cannot reach unix:///var/run/docker.sock (ENOENT): start dockerd or set DOCKER_HOST'), {
						kind: 'engine-unreachable',
						engine: 'unix:///var/run/docker.sock',
					});
				}
				return { endpoint: 'unix:///var/run/docker.sock', engineVersion: '26.1.5', apiVersion: '1.45' };
			},
		});
		const frame = await waitForFrame(lastFrame, 'The Docker engine unix:///var/run/docker.sock did not answer.');
		expect(frame).toContain('start dockerd or set DOCKER_HOST');
		expect(frame).toContain('r retry');
		await tick();
		await press(stdin, 'r');
		await waitForFrame(lastFrame, 'app-1');
		expect(backend.calls.connect).toBe(2);
	});

	it('does not call a refused setting an engine that did not answer', async () => {
		const { lastFrame } = mount({ connect: () => Promise.reject(new Error('--context "nope": no such context in /root/.docker/contexts')) });
		const frame = await waitForFrame(lastFrame, 'no such context');
		expect(frame).toContain('The Docker engine cannot be used as given.');
		expect(frame).not.toMatch(/did not answer|No Docker engine answered/);
	});

	it('quits with exit 2 (nothing touched) on q', async () => {
		const { lastFrame, stdin, onExit } = mount({ connect: () => Promise.reject(new Error('no engine')) });
		await waitForFrame(lastFrame, 'no engine');
		await tick();
		await press(stdin, 'q');
		expect(onExit).toHaveBeenCalledWith(2);
	});

	it('names the engine in the header once connected', async () => {
		const { lastFrame } = mount();
		const frame = await waitForFrame(lastFrame, 'app-1');
		expect(frame).toContain('engine unix:///var/run/docker.sock · Docker 26.1.5 · API 1.45');
		expect(frame).toContain('[2 Containers]');
	});
});

describe('container screen', () => {
	it('says it is listing while the engine has not answered', async () => {
		const { lastFrame } = mount({ listContainers: () => forever() });
		await waitForFrame(lastFrame, 'Listing the containers on this engine');
	});

	it('says so when the engine has no containers', async () => {
		const { lastFrame } = mount({ listContainers: async () => [] });
		await waitForFrame(lastFrame, 'There are no containers on this engine.');
	});

	it('shows a listing error and lists again on r', async () => {
		let calls = 0;
		const { lastFrame, stdin } = mount({
			listContainers: async () => {
				calls++;
				if (calls === 1) throw new Error('permission denied on /var/run/docker.sock');
				return CONTAINERS;
			},
		});
		await waitForFrame(lastFrame, 'permission denied');
		expect(lastFrame()).toContain('Could not list the containers.');
		await tick();
		await press(stdin, 'r');
		await waitForFrame(lastFrame, 'app-1');
	});

	it('groups rows by repository with version, state, health and uptime', async () => {
		const { lastFrame } = mount();
		const frame = await waitForFrame(lastFrame, 'scanner');
		expect(frame).toContain('registry.local:5000/acme/app (2)');
		expect(frame).toContain('postgres (1)');
		expect(frame).toMatch(/NAME\s+VERSION\s+STATE\s+HEALTH\s+UP/);
		expect(rowOf(frame, 'app-1')).toMatch(/app-1\s+1\.6\.0\s+running\s+healthy\s+up 2 d/);
		expect(rowOf(frame, 'app-2')).toContain('up 3 h');
		expect(rowOf(frame, 'scanner')).toMatch(/scanner\s+2\.1\.0\s+exited/);
		// Repositories in order, each group's rows under it.
		expect(frame.indexOf('postgres (1)')).toBeLessThan(frame.indexOf('registry.local:5000/acme/app (2)'));
		expect(frame.indexOf('registry.local:5000/acme/app (2)')).toBeLessThan(frame.indexOf('] app-1'));
		expect(frame).toContain('0 of 4 ticked');
	});

	it('names the engine in the heading when every row is on one (several: test/unit/ui-engines.test.tsx)', async () => {
		const { lastFrame } = mount();
		const frame = await waitForFrame(lastFrame, 'scanner');
		expect(frame).toContain('0 of 4 ticked · engine unix:///var/run/docker.sock');
		expect(frame).not.toContain('engine unix:///var/run/docker.sock (');
	});

	it('ticks the rows preselected by flags and by the backend', async () => {
		const rows = CONTAINERS.map((row) => (row.name === 'app-1' ? { ...row, preselected: true } : row));
		const { lastFrame } = mount({ listContainers: async () => rows }, { preselect: { containers: ['app-2'], labels: ['tier=web'] } });
		const frame = await waitForFrame(lastFrame, 'app-2');
		expect(rowOf(frame, 'app-1')).toContain('[x] app-1');
		expect(rowOf(frame, 'app-2')).toContain('[x] app-2');
		expect(rowOf(frame, 'db')).toContain('[ ] db');
		expect(frame).toContain('2 of 4 ticked');
		expect(frame).toContain('from flags: --container app-2 --label tier=web');
		// The cursor starts on the first ticked row.
		expect(rowOf(frame, 'app-1')).toContain('› [x] app-1');
	});

	it('ticks by --image too', async () => {
		const { lastFrame } = mount({}, { preselect: { containers: [], image: 'registry.local:5000/acme/app', labels: [] } });
		const frame = await waitForFrame(lastFrame, 'app-2');
		expect(frame).toContain('2 of 4 ticked');
	});

	it('moves with j/k and arrows, ticks with space, and a ticks all then none', async () => {
		const { lastFrame, stdin } = mount();
		await waitForFrame(lastFrame, 'scanner');
		await tick();
		expect(rowOf(lastFrame()!, 'db')).toContain('› [ ] db');
		await press(stdin, 'j');
		expect(rowOf(lastFrame()!, 'app-1')).toContain('› [ ] app-1');
		await press(stdin, DOWN);
		expect(rowOf(lastFrame()!, 'app-2')).toContain('› [ ] app-2');
		await press(stdin, ' ');
		expect(rowOf(lastFrame()!, 'app-2')).toContain('› [x] app-2');
		await press(stdin, 'k', ' ');
		expect(rowOf(lastFrame()!, 'app-1')).toContain('› [x] app-1');
		expect(lastFrame()).toContain('2 of 4 ticked');
		await press(stdin, 'a');
		expect(lastFrame()).toContain('4 of 4 ticked');
		await press(stdin, 'a');
		expect(lastFrame()).toContain('0 of 4 ticked');
		// The cursor stops at the ends.
		await press(stdin, 'k', 'k', 'k', 'k');
		expect(rowOf(lastFrame()!, 'db')).toContain('› [ ] db');
	});

	it('filters by typing after /, keeps ticks, and esc clears the filter', async () => {
		const { lastFrame, stdin } = mount();
		await waitForFrame(lastFrame, 'scanner');
		await tick();
		await press(stdin, '/', 'a', 'p', 'p');
		let frame = await waitForFrame(lastFrame, 'filter: app');
		expect(frame).not.toContain('] db');
		expect(frame).not.toContain('] scanner');
		expect(frame).toContain('] app-1');
		// j is typed into the filter, not a move: nothing matches "appj".
		await press(stdin, 'j');
		await waitForFrame(lastFrame, 'Nothing matches "appj"');
		await press(stdin, BACKSPACE, '-', '2');
		frame = await waitForFrame(lastFrame, 'filter: app-2');
		expect(frame).not.toContain('] app-1');
		await press(stdin, ' ');
		await waitForFrame(lastFrame, '[x] app-2');
		// Enter keeps the filter and leaves typing; esc then clears it.
		await press(stdin, ENTER);
		expect(lastFrame()).toContain('filter: app-2');
		// a works on the rows shown: all of them were ticked, so it unticks, then ticks again.
		await press(stdin, 'a');
		expect(lastFrame()).toContain('0 of 4 ticked');
		await press(stdin, 'a');
		expect(lastFrame()).toContain('1 of 4 ticked');
		await press(stdin, ESC);
		frame = await waitForFrame(lastFrame, '] db');
		expect(frame).not.toContain('filter:');
		expect(rowOf(frame, 'app-2')).toContain('[x] app-2');
	});

	it('takes keys typed back to back in order (no render between them)', async () => {
		const { lastFrame, stdin } = mount();
		await waitForFrame(lastFrame, 'scanner');
		await tick();
		for (const key of ['j', 'j', ' ', '/', 'a', 'p', 'p']) stdin.write(key);
		const frame = await waitForFrame(lastFrame, 'filter: app');
		expect(rowOf(frame, 'app-2')).toContain('[x] app-2');
		expect(frame).toContain('1 of 4 ticked');
	});

	it('says what is missing when enter cannot go on', async () => {
		const { lastFrame, stdin, backend } = mount();
		await waitForFrame(lastFrame, 'scanner');
		await tick();
		await press(stdin, ENTER);
		await waitForFrame(lastFrame, 'Tick at least one container');
		await press(stdin, ' ', 'j', ' ', ENTER);
		await waitForFrame(lastFrame, 'One repository at a time');
		expect(backend.calls.targets).toEqual([]);
	});

	it('goes on to the version with the ticked containers', async () => {
		const { lastFrame, stdin, backend } = mount();
		await waitForFrame(lastFrame, 'scanner');
		await tick();
		await press(stdin, 'j', ' ', 'j', ' ', ENTER);
		await waitForFrame(lastFrame, '[3 Version]');
		await waitForFrame(lastFrame, 'MINOR');
		expect(backend.calls.targets).toEqual([['app-1', 'app-2']]);
	});

	it('quits with exit 2 on q, and on ctrl-c', async () => {
		const first = mount();
		await waitForFrame(first.lastFrame, 'scanner');
		await tick();
		await press(first.stdin, 'q');
		expect(first.onExit).toHaveBeenCalledWith(2);

		const second = mount();
		await waitForFrame(second.lastFrame, 'scanner');
		await tick();
		await press(second.stdin, CTRL_C);
		expect(second.onExit).toHaveBeenCalledWith(2);
	});

	it('shows help on ? and closes it on any key', async () => {
		const { lastFrame, stdin, onExit } = mount();
		await waitForFrame(lastFrame, 'scanner');
		await tick();
		await press(stdin, '?');
		const frame = await waitForFrame(lastFrame, 'Keys on this screen');
		expect(frame).toContain('tick or untick the container');
		expect(frame).toContain('filter by typing');
		// The key that closes help does nothing else: q here does not quit.
		await press(stdin, 'q');
		await waitForFrame(lastFrame, 'scanner');
		expect(onExit).not.toHaveBeenCalled();
	});
});

async function toTargets(options: FakeOptions = {}, wizardOptions: WizardOptions = { preselect: { containers: ['app-1'], labels: [] } }) {
	const app = mount(options, wizardOptions);
	await waitForFrame(app.lastFrame, '[x] app-1');
	await tick();
	await press(app.stdin, ENTER);
	await waitForFrame(app.lastFrame, '[3 Version]');
	return app;
}

describe('target screen', () => {
	it('says it is asking the registry', async () => {
		const { lastFrame } = await toTargets({ targets: () => forever() });
		await waitForFrame(lastFrame, 'Asking the registry for the versions of app-1');
	});

	it('shows a registry error', async () => {
		const { lastFrame } = await toTargets({ targets: async () => Promise.reject(new Error('registry.local:5000: 401 unauthorized; run docker login registry.local:5000')) });
		const frame = await waitForFrame(lastFrame, 'Could not list the versions.');
		expect(frame).toContain('docker login registry.local:5000');
	});

	it('says when there is nothing to offer', async () => {
		const { lastFrame } = await toTargets({ targets: async () => ({ ...TARGETS, rows: [] }) });
		await waitForFrame(lastFrame, 'No versions of registry.local:5000/acme/app to offer.');
	});

	it('lists newest first with kinds, hops, hidden pre-releases and disabled rows', async () => {
		const { lastFrame } = await toTargets();
		const frame = await waitForFrame(lastFrame, '1.5.3');
		const tags = frame
			.split('\n')
			.map((line) => /^[› ] (\S+) /.exec(line)?.[1])
			.filter(Boolean);
		expect(tags).toEqual(['2.0.0', '1.7.0', '1.6.2', '1.6.0', '1.5.3']);
		expect(frame).toMatch(/2\.0\.0\s+MAJOR\s+via 1\.7\.0/);
		expect(frame).toMatch(/1\.7\.0\s+MINOR/);
		expect(frame).toMatch(/1\.6\.2\s+PATCH/);
		expect(frame).toMatch(/1\.5\.3\s+downgrade\s+downgrades are refused: restore a backup instead/);
		expect(frame).toContain('this is the current version');
		expect(frame).not.toContain('1.8.0-rc.1');
		expect(frame).toContain('1 pre-release hidden (p)');
		// The backend's proposal has the cursor, with its path and notes below.
		expect(frame).toContain('› 1.7.0');
		expect(frame).toContain('path: 1.6.0 → 1.7.0');
		expect(frame).toContain('notes: Adds the audit table (migration).');
	});

	it('toggles pre-releases with p', async () => {
		const { lastFrame, stdin } = await toTargets();
		await waitForFrame(lastFrame, 'MINOR');
		await tick();
		await press(stdin, 'p');
		const frame = await waitForFrame(lastFrame, '1.8.0-rc.1');
		expect(frame).toContain('pre-release');
		await press(stdin, 'p');
		await waitForFrame(lastFrame, '1 pre-release hidden');
	});

	it('refuses a disabled row with its reason and chooses an enabled one', async () => {
		const { lastFrame, stdin, backend } = await toTargets();
		await waitForFrame(lastFrame, 'MINOR');
		await tick();
		await press(stdin, 'j', 'j', 'j', ENTER);
		await waitForFrame(lastFrame, '1.5.3 cannot be chosen: downgrades are refused');
		expect(backend.calls.preview).toEqual([]);
		await press(stdin, 'k', 'k', ENTER);
		await waitForFrame(lastFrame, 'The plan');
		expect(backend.calls.preview).toEqual([[['app-1'], '1.6.2']]);
	});

	it('puts the cursor on --to', async () => {
		const { lastFrame } = await toTargets({}, { preselect: { containers: ['app-1'], labels: [] }, to: '1.6.2' });
		await waitForFrame(lastFrame, '› 1.6.2');
	});

	it('shows pre-releases when --to names one, and says when --to is not a tag', async () => {
		const pre = await toTargets({}, { preselect: { containers: ['app-1'], labels: [] }, to: '1.8.0-rc.1' });
		await waitForFrame(pre.lastFrame, '› 1.8.0-rc.1');
		cleanup();
		const missing = await toTargets({}, { preselect: { containers: ['app-1'], labels: [] }, to: '9.9.9' });
		await waitForFrame(missing.lastFrame, '--to 9.9.9 is not a tag of registry.local:5000/acme/app');
	});

	it('goes back to the containers on esc, ticks kept', async () => {
		const { lastFrame, stdin } = await toTargets();
		await waitForFrame(lastFrame, 'MINOR');
		await tick();
		await press(stdin, ESC);
		const frame = await waitForFrame(lastFrame, '[2 Containers]');
		await waitForFrame(lastFrame, '[x] app-1');
		expect(frame).toContain('1 of 4 ticked');
	});

	it('shows help on ?', async () => {
		const { lastFrame, stdin } = await toTargets();
		await waitForFrame(lastFrame, 'MINOR');
		await tick();
		await press(stdin, '?');
		await waitForFrame(lastFrame, 'show or hide pre-releases');
	});
});

async function toPlan(options: FakeOptions = {}) {
	const app = await toTargets(options);
	await waitForFrame(app.lastFrame, 'MINOR');
	await tick();
	await press(app.stdin, ENTER);
	await waitForFrame(app.lastFrame, '[4 Plan]');
	return app;
}

describe('plan screen', () => {
	it('says it is planning', async () => {
		const { lastFrame } = await toPlan({ preview: () => forever() });
		await waitForFrame(lastFrame, 'Planning the upgrade to 1.7.0');
	});

	it('shows a preflight error', async () => {
		const { lastFrame } = await toPlan({ preview: async () => Promise.reject(new Error('app-1-old already exists: remove or rename it first')) });
		const frame = await waitForFrame(lastFrame, 'Could not plan this upgrade.');
		expect(frame).toContain('app-1-old already exists');
	});

	it('shows per container the steps, what stops, the backup, the health check and warnings', async () => {
		const { lastFrame } = await toPlan();
		const frame = await waitForFrame(lastFrame, 'Warnings');
		expect(frame).toContain('The plan: 1 container to 1.7.0, one at a time. Nothing has been touched yet.');
		expect(frame).toContain('app-1  1.6.0 → 1.7.0');
		expect(frame).toContain('stops:  app-1 (stop timeout 10 s)');
		expect(frame).toContain('backup: /var/lib/upgrade-wizard/backups/app-1-1.6.0.dump');
		expect(frame).toContain('health: Docker healthcheck, timeout 120 s');
		expect(frame).toContain('profile: Acme app (acme-app, built-in)');
		expect(frame).toContain('1. pull registry.local:5000/acme/app:1.7.0');
		expect(frame).toContain('6. remove app-1-old');
		expect(frame).toContain('! 1.7.0 migrates the schema');
	});

	it('counts a Swarm service as one service, with the engine\'s rolling update as its health gate', async () => {
		const { lastFrame } = await toPlan({
			preview: async () => ({
				containers: [{ name: 'web', kind: 'swarm-service', from: '1.6.0', to: '1.7.0', hops: [], steps: ['update service web'], stops: 'nothing by hand', health: 'each new task stays up for 5 s with its own healthcheck passing' }],
				lines: [],
				warnings: [],
			}),
		});
		const frame = await waitForFrame(lastFrame, 'update service web');
		expect(frame).toContain('The plan: 1 service to 1.7.0');
		expect(frame).toContain('health: each new task stays up for 5 s');
	});

	it('scrolls a plan taller than the terminal', async () => {
		const { lastFrame, stdin } = await toPlan({
			preview: async () => ({
				containers: ['a', 'b', 'c'].map((name) => ({ name, from: '1.6.0', to: '1.7.0', hops: [], steps: ['one', 'two', 'three', 'four', 'five'], stops: name, health: 'h' })),
				lines: [],
				warnings: [],
			}),
		});
		let frame = await waitForFrame(lastFrame, '↓');
		expect(frame).not.toContain('c  1.6.0 → 1.7.0');
		expect(frame).toContain('backup: none');
		await tick();
		await press(stdin, ...Array.from({ length: 12 }, () => 'j'));
		frame = await waitForFrame(lastFrame, 'c  1.6.0 → 1.7.0');
		expect(frame).toContain('↑');
		expect(frame.split('\n').length).toBeLessThan(24);
	});

	it('pages a plan of 300 containers: pgdn a screen at a time, end to its last container, home back', async () => {
		const names = Array.from({ length: 300 }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
		const { lastFrame, stdin } = await toPlan({
			preview: async () => ({
				containers: names.map((name) => ({ name, from: '1.6.0', to: '1.7.0', hops: [], steps: ['pull', 'stop', 'rename', 'create', 'start', 'health', 'remove-old'], stops: name, health: 'h' })),
				lines: [],
				warnings: [],
			}),
		});
		let frame = await waitForFrame(lastFrame, '↓');
		const below = (shown: string) => Number(/↓ (\d+) more/.exec(shown)?.[1]);
		const first = below(frame);
		// 300 containers of 11 lines each.
		expect(first).toBeGreaterThan(3000);
		await tick();
		await press(stdin, '\u001B[6~');
		frame = await waitForFrame(lastFrame, (shown) => below(shown) < first);
		const page = first - below(frame);
		expect(page).toBeGreaterThan(5);
		await press(stdin, '\u001B[6~');
		frame = await waitForFrame(lastFrame, (shown) => below(shown) < first - page);
		expect(below(frame)).toBe(first - 2 * page);
		await press(stdin, '\u001B[F');
		frame = await waitForFrame(lastFrame, 'svc-299  1.6.0 → 1.7.0');
		expect(frame).not.toMatch(/↓ \d+ more/);
		await press(stdin, '\u001B[H');
		frame = await waitForFrame(lastFrame, 'svc-000  1.6.0 → 1.7.0');
		expect(frame).not.toMatch(/↑ \d+ more/);
	});

	it('goes back to the version on esc and starts the run on enter', async () => {
		const { lastFrame, stdin, backend } = await toPlan();
		await waitForFrame(lastFrame, 'Warnings');
		await tick();
		await press(stdin, ESC);
		await waitForFrame(lastFrame, '[3 Version]');
		await waitForFrame(lastFrame, 'MINOR');
		await tick();
		await press(stdin, ENTER);
		await waitForFrame(lastFrame, 'Warnings');
		// The same inputs are not planned twice.
		expect(backend.calls.preview).toHaveLength(1);
		await tick();
		await press(stdin, ENTER);
		await waitForFrame(lastFrame, 'Acknowledge the schema migration?');
		expect(backend.calls.run.map((call) => [call.containers, call.tag])).toEqual([[['app-1'], '1.7.0']]);
	});

	it('starts one run however fast enter is pressed twice', async () => {
		const { lastFrame, stdin, backend } = await toPlan();
		await waitForFrame(lastFrame, 'Warnings');
		await tick();
		stdin.write(ENTER);
		stdin.write(ENTER);
		await waitForFrame(lastFrame, 'Acknowledge the schema migration?');
		await tick(50);
		expect(backend.calls.run).toHaveLength(1);
	});

	it('quits with exit 2 on q', async () => {
		const { lastFrame, stdin, onExit, backend } = await toPlan();
		await waitForFrame(lastFrame, 'Warnings');
		await tick();
		await press(stdin, 'q');
		expect(onExit).toHaveBeenCalledWith(2);
		expect(backend.calls.run).toEqual([]);
	});
});
