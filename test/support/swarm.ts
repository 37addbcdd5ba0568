import { docker, TEST_LABEL } from './docker.js';

// Swarm services on the world's single-node swarm (world().swarmHost), made with
// the docker CLI as an operator would. Every service carries TEST_LABEL, so
// world:down removes what a test leaves; a test removes its own by its case label.

export interface ServiceTask {
	id: string;
	state: string;
	desiredState: string;
	containerId: string;
	health: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `docker service create -d` with the test label and the case label; returns the service ID. */
export async function createService(host: string, options: { name: string; image: string; caseLabel: string; replicas?: number; args?: string[]; command?: string[] }): Promise<string> {
	const { stdout } = await docker([
		'service', 'create', '--detach', '--name', options.name,
		'--label', TEST_LABEL, '--label', options.caseLabel,
		'--replicas', String(options.replicas ?? 1),
		...(options.args ?? []),
		options.image,
		...(options.command ?? []),
	], { host });
	return stdout.trim();
}

/** The service's tasks with their containers' health (from the manager, which is also the only node). */
export async function serviceTasks(host: string, service: string): Promise<ServiceTask[]> {
	const ids = (await docker(['service', 'ps', '-q', '--no-trunc', service], { host })).stdout.split('\n').filter(Boolean);
	if (ids.length === 0) return [];
	const { stdout } = await docker(['inspect', '--type', 'task', ...ids], { host });
	const tasks = JSON.parse(stdout) as { ID: string; DesiredState: string; Status: { State: string; ContainerStatus?: { ContainerID?: string } } }[];
	return await Promise.all(tasks.map(async (task) => {
		const containerId = task.Status.ContainerStatus?.ContainerID ?? '';
		const health = containerId
			? (await docker(['inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{end}}', containerId], { host, reject: false })).stdout.trim()
			: '';
		return { id: task.ID, state: task.Status.State, desiredState: task.DesiredState, containerId, health };
	}));
}

/** Wait (bounded) until `replicas` tasks are running with healthy containers; returns them. */
export async function waitServiceRunning(host: string, service: string, replicas: number, timeoutMs = 90_000): Promise<ServiceTask[]> {
	const deadline = Date.now() + timeoutMs;
	let running: ServiceTask[] = [];
	let tasks: ServiceTask[] = [];
	while (Date.now() < deadline) {
		tasks = await serviceTasks(host, service);
		running = tasks.filter((task) => task.desiredState === 'running' && task.state === 'running' && task.health === 'healthy');
		if (running.length === replicas) return running;
		await sleep(500);
	}
	const logs = await docker(['service', 'logs', '--tail', '20', service], { host, reject: false });
	throw new Error(`${service}: ${running.length}/${replicas} tasks running and healthy within ${timeoutMs} ms (${JSON.stringify(tasks)})\n${logs.stdout}\n${logs.stderr}`);
}

/** Remove the services with this label and wait (bounded) until their task containers are gone. */
export async function removeServicesByLabel(host: string, label: string, timeoutMs = 30_000): Promise<void> {
	const short = (await docker(['service', 'ls', '-q', '--filter', `label=${label}`], { host })).stdout.split('\n').filter(Boolean);
	if (short.length === 0) return;
	// `service ls -q` prints short IDs; the tasks' label holds the full one.
	const ids = (await docker(['service', 'inspect', '--format', '{{.ID}}', ...short], { host })).stdout.split('\n').filter(Boolean);
	await docker(['service', 'rm', ...ids], { host, reject: false });
	const deadline = Date.now() + timeoutMs;
	for (const id of ids) {
		while (Date.now() < deadline) {
			const left = (await docker(['ps', '-aq', '--filter', `label=com.docker.swarm.service.id=${id}`], { host })).stdout.trim();
			if (left === '') break;
			await sleep(250);
		}
	}
}
