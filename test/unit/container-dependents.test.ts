import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { UsageError } from '../../source/core/errors.js';
import { joinedTo, planDependent, preflightDependents } from '../../source/targets/container/dependents.js';
import { EngineLookups } from '../../source/docker/engine-lookups.js';

// Which namespace and link dependents the wizard recreates around an upgrade,
// and which it refuses (exit 2, one line saying what to do), on a fake engine
// that answers list, inspect and image inspect as dockerode does.

interface Fake {
	id: string;
	name: string;
	mode?: string;
	links?: string[];
	running?: boolean;
	autoRemove?: boolean;
	labels?: Record<string, string>;
	image?: string;
}

function engine(containers: Fake[], tags: Record<string, string> = { 'r/side:1': 'sha256:side' }): Docker {
	const info = (fake: Fake) => ({
		Id: fake.id,
		Name: `/${fake.name}`,
		Image: fake.image ?? 'sha256:side',
		State: { Running: fake.running ?? true, Status: fake.running === false ? 'exited' : 'running' },
		Config: { Image: 'r/side:1', Labels: fake.labels ?? {}, Env: ['A=1'], Cmd: ['sleep', '600'] },
		HostConfig: { NetworkMode: fake.mode ?? 'default', Links: fake.links ?? null, AutoRemove: fake.autoRemove ?? false },
		NetworkSettings: { Networks: {} },
		Mounts: [],
	});
	const find = (idOrName: string) => containers.find((fake) => fake.id === idOrName || fake.name === idOrName);
	const notFound = () => Object.assign(new Error('no such container'), { statusCode: 404 });
	return {
		listContainers: async () => containers.map((fake) => ({ Id: fake.id, Names: [`/${fake.name}`], HostConfig: { NetworkMode: fake.mode ?? 'default' } })),
		getContainer: (idOrName: string) => ({
			inspect: async () => {
				const fake = find(idOrName);
				if (!fake) throw notFound();
				return info(fake);
			},
		}),
		getImage: (ref: string) => ({
			inspect: async () => {
				const id = ref.startsWith('sha256:') ? ref : tags[ref];
				if (!id) throw notFound();
				return { Id: id, Config: { Env: [], Cmd: ['sh'] } };
			},
		}),
	} as unknown as Docker;
}

const provider: Fake = { id: 'p'.repeat(64), name: 'app' };
const providerInfo = async (docker: Docker) => docker.getContainer('app').inspect();

async function refusal(containers: Fake[]): Promise<string> {
	const docker = engine(containers);
	const error = await preflightDependents(new EngineLookups(docker), await providerInfo(docker), ['app']).then(() => undefined, (caught: unknown) => caught);
	expect(error).toBeInstanceOf(UsageError);
	const message = (error as Error).message;
	expect(message.split('\n')).toHaveLength(1);
	return message;
}

describe('namespace and link dependents', () => {
	it('finds a sidecar in the namespace and one linked, to recreate from the same image', async () => {
		const docker = engine([provider, { id: 's1', name: 'side', mode: `container:${provider.id}` }, { id: 'l1', name: 'linked', links: ['/app:/linked/db'] }]);
		const found = await preflightDependents(new EngineLookups(docker), await providerInfo(docker), ['app']);
		expect(found.map((each) => [each.info.Id, each.via, each.imageRef])).toEqual([
			['s1', 'namespace', 'r/side:1'],
			['l1', 'link', 'r/side:1'],
		]);
	});

	it('recreates from the image ID when its tag now names another image', async () => {
		const docker = engine([provider, { id: 's1', name: 'side', mode: 'container:app' }], { 'r/side:1': 'sha256:newer' });
		const [found] = await preflightDependents(new EngineLookups(docker), await providerInfo(docker), ['app']);
		expect(found!.imageRef).toBe('sha256:side');
	});

	it('a selected dependent is its own unit, not recreated around the provider', async () => {
		const docker = engine([provider, { id: 's1', name: 'side', mode: 'container:app' }]);
		expect(await preflightDependents(new EngineLookups(docker), await providerInfo(docker), ['app', 'side'])).toEqual([]);
	});

	it('joins the new provider by ID; a link keeps naming it', async () => {
		const docker = engine([provider, { id: 's1', name: 'side', mode: `container:${provider.id}` }, { id: 'l1', name: 'linked', links: ['/app:/linked/db'] }]);
		const found = await preflightDependents(new EngineLookups(docker), await providerInfo(docker), ['app']);
		const [side, linked] = found.map((each) => planDependent({ apiVersion: '1.45' }, each, { healthTimeoutS: 30, stableS: 2 }, () => 'app'));
		expect(side!.parkedName).toBe('side-old');
		expect(side!.health).toEqual({ healthcheck: 'auto', stableMs: 2000, timeoutMs: 30_000 });
		expect(joinedTo(side!, 'n'.repeat(64)).create.HostConfig?.NetworkMode).toBe(`container:${'n'.repeat(64)}`);
		expect(joinedTo(linked!, 'n'.repeat(64)).create.HostConfig?.Links).toEqual(['app:db']);
	});

	describe('refuses what cannot be put back exactly', () => {
		it('a dependent that runs with --rm', async () => {
			expect(await refusal([provider, { id: 's1', name: 'side', mode: 'container:app', autoRemove: true }])).toBe(
				'container app is used by side (network namespace or link), which runs with --rm (AutoRemove): stopping it would delete it; recreate side without --rm, then upgrade app',
			);
		});
		it('a dependent of a dependent', async () => {
			expect(await refusal([provider, { id: 's1', name: 'side', mode: 'container:app' }, { id: 'i1', name: 'inner', mode: 'container:s1' }])).toMatch(
				/^container app is used by side \(network namespace or link\), which itself is used by inner: nested namespaces or links are not recreated; stop inner, side, upgrade app/,
			);
		});
		it('a dependent that is not running', async () => {
			expect(await refusal([provider, { id: 's1', name: 'side', mode: 'container:app', running: false }])).toMatch(/which is not running \(exited\); start or remove side first$/);
		});
		it('a dependent Compose manages', async () => {
			expect(await refusal([provider, { id: 's1', name: 'side', mode: 'container:app', labels: { 'com.docker.compose.project': 'p' } }])).toMatch(/which is managed by Docker Compose; stop side through its tool/);
		});
		it('a dependent whose -old name is taken', async () => {
			expect(await refusal([provider, { id: 's1', name: 'side', mode: 'container:app' }, { id: 'o1', name: 'side-old' }])).toMatch(/a container named side-old already exists/);
		});
	});
});
