// Planning many containers asks the engine each thing once, a bounded number
// at a time. A fake engine (counts and in-flight calls) stands in for dockerode
// here; test/integration/ plans against the real one, and bench/discovery.mjs
// times 300 real containers.
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import { describe, expect, it } from 'vitest';
import { EngineLookups } from '../../source/docker/engine-lookups.js';
import { buildPlan } from '../../source/targets/container/plan.js';
import type { PlanOptions } from '../../source/core/plan/plan.js';
import type { ResolvedPath } from '../../source/sessions/upgrade-path.js';

const template = JSON.parse(readFileSync(new URL('../fixtures/inspect/api-1.41-container-app.json', import.meta.url), 'utf8')) as ContainerInspectInfo;
const image = JSON.parse(readFileSync(new URL('../fixtures/inspect/api-1.41-image-recreate-fixture-1.0.0.json', import.meta.url), 'utf8')) as ImageInspectInfo;

function sleeper(i: number, change: (info: ContainerInspectInfo) => void = () => undefined): ContainerInspectInfo {
	const info = structuredClone(template);
	info.Name = `/sleeper-${String(i).padStart(3, '0')}`;
	info.Id = `${String(i).padStart(4, '0')}${'a'.repeat(60)}`;
	change(info);
	return info;
}

/** The calls the planner makes, answered after a tick, counted, with how many were in flight at once. */
class FakeEngine {
	lists = 0;
	readonly inspects = new Map<string, number>();
	readonly imageInspects = new Map<string, number>();
	inFlight = 0;
	maxInFlight = 0;

	constructor(
		readonly containers: ContainerInspectInfo[],
		readonly images: Record<string, ImageInspectInfo> = { [image.Id]: image },
	) {}

	private async answer<T>(fn: () => T): Promise<T> {
		this.inFlight++;
		this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
		try {
			await new Promise((resolve) => setTimeout(resolve, 2));
			return fn();
		} finally {
			this.inFlight--;
		}
	}

	async listContainers() {
		this.lists++;
		return this.containers.map((info) => ({ Id: info.Id, Names: [info.Name], Image: info.Config.Image, Labels: info.Config.Labels, HostConfig: { NetworkMode: info.HostConfig.NetworkMode } }));
	}

	getContainer(ref: string) {
		return {
			inspect: () =>
				this.answer(() => {
					this.inspects.set(ref, (this.inspects.get(ref) ?? 0) + 1);
					if (ref === 'broken') throw Object.assign(new Error('engine: 500'), { statusCode: 500 });
					const found = this.containers.find((info) => info.Name === `/${ref}` || info.Id.startsWith(ref));
					if (!found) throw Object.assign(new Error(`no such container: ${ref}`), { statusCode: 404 });
					return structuredClone(found);
				}),
		};
	}

	getImage(ref: string) {
		return {
			inspect: () =>
				this.answer(() => {
					this.imageInspects.set(ref, (this.imageInspects.get(ref) ?? 0) + 1);
					const found = this.images[ref];
					if (!found) throw Object.assign(new Error(`no such image: ${ref}`), { statusCode: 404 });
					return found;
				}),
		};
	}

	get docker(): Docker {
		return this as unknown as Docker;
	}

	totalInspects(): number {
		return [...this.inspects.values()].reduce((sum, count) => sum + count, 0);
	}
}

const options: PlanOptions = { healthTimeoutS: 60, stableS: 1, keepOld: false };
const path: ResolvedPath = {
	repository: 'upgrade-wizard-test/recreate-fixture',
	current: '1.0.0',
	hops: [{ tag: '1.0.1', version: '1.0.1', revision: 0, kind: 'patch' }],
	majorGate: false,
	releaseNotes: [],
	schemaVersions: {},
	warnings: [],
};
const engineInfo = { endpoint: 'unix:///fake.sock', apiVersion: '1.41' };

describe('EngineLookups', () => {
	it('finds every dependent of 60 containers from one listing and one inspect per container, at most 4 at a time', async () => {
		const containers = Array.from({ length: 60 }, (_, i) => sleeper(i));
		// sleeper-001 joins sleeper-000's network namespace; sleeper-002 links to it (as the engine writes links).
		containers[1]!.HostConfig.NetworkMode = `container:${containers[0]!.Id}`;
		containers[2]!.HostConfig.Links = ['/sleeper-000:/sleeper-002/db'];
		const fake = new FakeEngine(containers);
		const lookups = new EngineLookups(fake.docker, 4);
		const found = await Promise.all(containers.map((info) => lookups.dependentsOf(info)));
		expect(found[0]).toEqual(['sleeper-001', 'sleeper-002']);
		expect(found.slice(1).every((dependents) => dependents.length === 0)).toBe(true);
		expect(fake.lists).toBe(1);
		expect(fake.totalInspects()).toBe(60);
		expect([...fake.inspects.values()].every((count) => count === 1)).toBe(true);
		expect(fake.maxInFlight).toBeLessThanOrEqual(4);
		expect(fake.maxInFlight).toBeGreaterThan(1);
	});

	it('inspects an image once however many containers run it', async () => {
		const fake = new FakeEngine([sleeper(0)]);
		const lookups = new EngineLookups(fake.docker);
		const answers = await Promise.all(Array.from({ length: 30 }, () => lookups.image(image.Id)));
		expect(answers.every((answer) => answer === answers[0])).toBe(true);
		expect(fake.imageInspects.get(image.Id)).toBe(1);
	});

	it('says a container is not there (404) and passes any other engine error on', async () => {
		const fake = new FakeEngine([sleeper(0)]);
		const lookups = new EngineLookups(fake.docker);
		expect(await lookups.container('nobody')).toBeUndefined();
		await expect(lookups.container('broken')).rejects.toThrow('engine: 500');
		expect((await lookups.container('sleeper-000'))?.Id).toBe(sleeper(0).Id);
		expect(await lookups.hasContainer('sleeper-000-old')).toBe(false);
		expect(await lookups.hasContainer('sleeper-000')).toBe(true);
	});
});

describe('buildPlan over many containers', () => {
	it('plans 50 alike containers with one listing, one inspect each, one image inspect and one path resolution', async () => {
		const containers = Array.from({ length: 50 }, (_, i) => sleeper(i));
		const fake = new FakeEngine(containers);
		let resolved = 0;
		const plan = await buildPlan(new EngineLookups(fake.docker, 8), engineInfo, containers.map((info) => info.Name.slice(1)), options, async () => {
			resolved++;
			return path;
		});
		expect(plan.units.map((unit) => unit.name)).toEqual(containers.map((info) => info.Name.slice(1)));
		expect(plan.units.every((unit) => unit.targetRef === 'upgrade-wizard-test/recreate-fixture:1.0.1')).toBe(true);
		expect(resolved).toBe(1);
		expect(fake.lists).toBe(1);
		expect(fake.totalInspects()).toBe(50);
		expect(fake.imageInspects.get(image.Id)).toBe(1);
		expect(fake.maxInFlight).toBeLessThanOrEqual(8);
		expect(fake.maxInFlight).toBeGreaterThan(1);
	});

	it('still resolves the path of a container whose env differs, and refuses as it did', async () => {
		const containers = Array.from({ length: 5 }, (_, i) => sleeper(i));
		containers[3]!.Config.Env = [...containers[3]!.Config.Env, 'EXTRA=1'];
		const fake = new FakeEngine(containers);
		const currents = ['1.0.0', '1.0.0', '0.9.0'];
		let resolved = 0;
		const plan = buildPlan(new EngineLookups(fake.docker), engineInfo, containers.map((info) => info.Name.slice(1)), options, async () => ({ ...path, current: currents[resolved++]! }));
		await expect(plan).resolves.toBeDefined();
		expect(resolved).toBe(2);
		resolved = 1; // the odd one out now answers 0.9.0
		const refused = buildPlan(new EngineLookups(fake.docker), engineInfo, containers.map((info) => info.Name.slice(1)), options, async () => ({ ...path, current: currents[resolved++]! }));
		await expect(refused).rejects.toThrow('different versions (sleeper-000: 1.0.0, sleeper-003: 0.9.0)');
	});

	it('refuses the first unfit container in the selection order, with every inspect already asked', async () => {
		const containers = Array.from({ length: 12 }, (_, i) =>
			sleeper(i, (info) => {
				if (i === 5 || i === 9) info.State = { ...info.State, Running: false, Status: 'exited' };
			}),
		);
		const fake = new FakeEngine(containers);
		const plan = buildPlan(new EngineLookups(fake.docker), engineInfo, containers.map((info) => info.Name.slice(1)), options, async () => path);
		await expect(plan).rejects.toThrow('container sleeper-005 is not running (exited)');
	});

	it('refuses a container whose parked name is taken, from the listing', async () => {
		const containers = [sleeper(0), sleeper(1, (info) => (info.Name = '/sleeper-000-old'))];
		const fake = new FakeEngine(containers);
		await expect(buildPlan(new EngineLookups(fake.docker), engineInfo, ['sleeper-000'], options, async () => path)).rejects.toThrow('a container named sleeper-000-old already exists');
	});
});

describe('EngineLookups dependents, as the engine writes them', () => {
	it('finds namespace users by ID or name and linkers by the link target, never the target itself or a namesake prefix', async () => {
		const containers = [sleeper(0), sleeper(1), sleeper(2), sleeper(3), sleeper(4), sleeper(5)];
		containers[1]!.HostConfig.NetworkMode = 'container:sleeper-000';
		containers[2]!.HostConfig.Links = ['/sleeper-000-extra:/sleeper-002/x'];
		containers[3]!.HostConfig.Links = ['/sleeper-004:/sleeper-003/db', '/sleeper-000:/sleeper-003/db2'];
		containers[0]!.HostConfig.NetworkMode = `container:${containers[0]!.Id}`;
		containers[5]!.HostConfig.NetworkMode = `container:${containers[4]!.Id}`;
		const lookups = new EngineLookups(new FakeEngine(containers).docker);
		expect(await lookups.dependentsOf(containers[0]!)).toEqual(['sleeper-001', 'sleeper-003']);
		expect(await lookups.dependentsOf(containers[4]!)).toEqual(['sleeper-003', 'sleeper-005']);
		expect(await lookups.dependentsOf(containers[2]!)).toEqual([]);
	});
});
