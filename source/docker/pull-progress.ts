import type { PullProgress } from '../core/events.js';

// Aggregates the engine's per-layer pull messages into one figure. Each layer
// counts its bytes twice (downloaded, then extracted) so the bar keeps moving
// during extraction; the figure shown never goes backwards, even when a layer's
// total becomes known late.

export interface PullMessage {
	status?: string;
	id?: string;
	progressDetail?: { current?: number; total?: number };
	error?: string;
	errorDetail?: { message?: string };
}

interface LayerState {
	status: string;
	total: number;
	downloaded: number;
	extracted: number;
	done: boolean;
}

const LAYER_STATUSES = new Set([
	'Pulling fs layer',
	'Waiting',
	'Downloading',
	'Verifying Checksum',
	'Download complete',
	'Extracting',
	'Pull complete',
	'Already exists',
	'Retrying',
]);

export class PullProgressAggregator {
	private readonly layers = new Map<string, LayerState>();
	private shownCurrent = 0;
	private shownTotal = 0;

	/** Feed one message; returns the error text if the engine reported one. */
	update(message: PullMessage): string | undefined {
		if (message.errorDetail?.message || message.error) return message.errorDetail?.message ?? message.error;
		const { status, id } = message;
		if (!status || !id || !LAYER_STATUSES.has(status) && !status.startsWith('Retrying')) return undefined;
		const layer = this.layers.get(id) ?? { status, total: 0, downloaded: 0, extracted: 0, done: false };
		layer.status = status;
		const detail = message.progressDetail ?? {};
		switch (status) {
			case 'Downloading':
				if (detail.total && detail.total > 0) layer.total = Math.max(layer.total, detail.total);
				if (detail.current !== undefined) layer.downloaded = Math.max(layer.downloaded, detail.current);
				break;
			case 'Download complete':
			case 'Verifying Checksum':
				layer.downloaded = layer.total;
				break;
			case 'Extracting':
				if (detail.total && detail.total > 0) layer.total = Math.max(layer.total, detail.total);
				layer.downloaded = layer.total;
				if (detail.current !== undefined) layer.extracted = Math.max(layer.extracted, detail.current);
				break;
			case 'Pull complete':
				layer.downloaded = layer.total;
				layer.extracted = layer.total;
				layer.done = true;
				break;
			case 'Already exists':
				layer.done = true;
				break;
			default:
				break;
		}
		this.layers.set(id, layer);
		return undefined;
	}

	snapshot(withLayers = false): PullProgress {
		let current = 0;
		let total = 0;
		let layersDone = 0;
		for (const layer of this.layers.values()) {
			current += Math.min(layer.downloaded, layer.total) + Math.min(layer.extracted, layer.total);
			total += layer.total * 2;
			if (layer.done) layersDone++;
		}
		this.shownTotal = Math.max(this.shownTotal, total);
		this.shownCurrent = Math.min(Math.max(this.shownCurrent, current), this.shownTotal);
		const progress: PullProgress = {
			current: this.shownCurrent,
			total: this.shownTotal,
			layersDone,
			layersKnown: this.layers.size,
		};
		if (withLayers) {
			progress.layers = [...this.layers.entries()].map(([id, layer]) => ({
				id,
				status: layer.status,
				current: layer.downloaded + layer.extracted,
				total: layer.total * 2,
			}));
		}
		return progress;
	}

	/** Mark everything complete once the engine says the pull finished. */
	complete(): PullProgress {
		for (const layer of this.layers.values()) {
			layer.downloaded = layer.total;
			layer.extracted = layer.total;
			layer.done = true;
		}
		return this.snapshot();
	}
}
