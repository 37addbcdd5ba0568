import type Docker from 'dockerode';
import type { LockInfo, LockStore } from '../core/journal/lock.js';
import { engineStatus } from './engine.js';

// The run lock, arbitrated by the engine itself: a container created (never
// started) under a fixed name. Names are unique per engine, so a second create
// fails with 409 for every user of that engine, whatever DOCKER_HOST spelling,
// state dir or sudo they came through. The holder is in its labels.

export const LOCK_NAME = 'upgrade-wizard-lock';
const PREFIX = 'io.upgrade-wizard.lock.';

/** The marker's labels; discovery.ts's isRunLock knows the first one. */
function labelsOf(info: LockInfo): Record<string, string> {
	const out: Record<string, string> = { 'io.upgrade-wizard.lock': '1' };
	for (const [key, value] of Object.entries(info)) if (value !== undefined) out[`${PREFIX}${key}`] = String(value);
	return out;
}

/** Any local image will do: the marker is created, never started. */
async function someImage(docker: Docker): Promise<string | undefined> {
	const images = await docker.listImages();
	return images[0]?.Id;
}

export function engineLockStore(docker: Docker): LockStore {
	return {
		where: `container ${LOCK_NAME} on the engine`,
		breakCommand: `docker rm ${LOCK_NAME}`,
		async create(info) {
			const image = await someImage(docker);
			if (!image) return true; // an engine without images has no container to upgrade: nothing to guard
			try {
				await docker.createContainer({
					name: LOCK_NAME,
					Image: image,
					Entrypoint: ['/upgrade-wizard-lock: never started'],
					Cmd: [],
					Labels: labelsOf(info),
					HostConfig: { NetworkMode: 'none' },
					NetworkDisabled: true,
				});
				return true;
			} catch (error) {
				if (engineStatus(error) === 409) return false;
				throw error;
			}
		},
		async read() {
			try {
				const labels = (await docker.getContainer(LOCK_NAME).inspect()).Config.Labels ?? {};
				const pid = Number(labels[`${PREFIX}pid`]);
				if (!Number.isInteger(pid)) return undefined;
				return {
					pid,
					host: labels[`${PREFIX}host`] ?? '?',
					user: labels[`${PREFIX}user`] ?? '?',
					since: labels[`${PREFIX}since`] ?? '?',
					engine: labels[`${PREFIX}engine`] ?? '?',
					...(labels[`${PREFIX}run`] ? { run: labels[`${PREFIX}run`] } : {}),
				};
			} catch {
				return undefined;
			}
		},
		async remove() {
			await docker
				.getContainer(LOCK_NAME)
				.remove({ force: true })
				.catch((error: unknown) => {
					if (engineStatus(error) !== 404) throw error;
				});
		},
	};
}
