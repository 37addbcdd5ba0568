import type Docker from 'dockerode';
import { UsageError } from '../../core/errors.js';

// Which Swarm services a run is about. A service is selected by --service
// NAME, or through one of its task containers (--container NAME): a task is
// never swapped by hand (the orchestrator would replace it), so it goes
// through its service, and the engine's rolling update does the work.

export interface SelectedService {
	id: string;
	name: string;
}

/** The service a container is a task of, from the labels swarm puts on every task. */
export function serviceOfTask(labels: Record<string, string> | undefined | null): SelectedService | undefined {
	const id = labels?.['com.docker.swarm.service.id'];
	const name = labels?.['com.docker.swarm.service.name'];
	if (!id || !name) return undefined;
	return { id, name };
}

/** Task containers show `repo:tag@sha256:…`; versions are compared on `repo:tag`. */
export function imageWithoutDigest(ref: string): string {
	const at = ref.indexOf('@');
	return at < 0 ? ref : ref.slice(0, at);
}

/** Services named by --service, in order, each once (by ID). */
export async function selectServices(docker: Docker, names: readonly string[]): Promise<SelectedService[]> {
	const out: SelectedService[] = [];
	for (const wanted of names) {
		let info: { ID: string; Spec?: { Name?: string } };
		try {
			info = (await docker.getService(wanted).inspect()) as typeof info;
		} catch (error) {
			const status = (error as { statusCode?: number }).statusCode;
			if (status === 404) throw new UsageError(`no Swarm service named ${wanted} on this engine`);
			if (status === 503) throw new UsageError(`--service ${wanted}: this engine is not a Swarm manager`);
			throw error;
		}
		const name = info.Spec?.Name ?? wanted;
		// The engine also matches ID prefixes; a selection by name must match the name or the ID.
		if (name !== wanted && !info.ID.startsWith(wanted)) throw new UsageError(`no Swarm service named ${wanted} on this engine`);
		if (!out.some((service) => service.id === info.ID)) out.push({ id: info.ID, name });
	}
	return out;
}
