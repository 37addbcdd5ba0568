// Preloaded with `node --import` by the startup benchmarks: writes the process's
// peak resident set (KiB) to $UW_RSS_FILE at exit. GNU time's %M is not
// reliable on these machines. With $UW_FRAME_TEXT, also the first write to the
// terminal holding that text: ms since the process started and the CPU ms
// (user + system) spent until then, which a machine shared with other work
// disturbs far less than the wall clock.
import { writeFileSync } from 'node:fs';

let frame;
const wanted = process.env.UW_FRAME_TEXT;
if (wanted) {
	const write = process.stdout.write.bind(process.stdout);
	process.stdout.write = (chunk, ...rest) => {
		if (frame === undefined && String(chunk).includes(wanted)) {
			const cpu = process.cpuUsage();
			frame = { ms: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000 };
		}
		return write(chunk, ...rest);
	};
}

process.on('exit', () => {
	if (!process.env.UW_RSS_FILE) return;
	const lines = [String(process.resourceUsage().maxRSS)];
	if (frame) lines.unshift(JSON.stringify(frame));
	writeFileSync(process.env.UW_RSS_FILE, lines.join('\n'));
});
