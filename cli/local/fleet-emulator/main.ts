import { parseArgs } from 'node:util';
import { createLogger } from '../../../instance/logger';
import { untilTerminated } from '../../shutdown';
import { startFleetEmulator, STATE_DIR, type FleetTimings } from '.';

/**
 * The emulator as a process of its own: `tsx cli/local/fleet-emulator/main.ts [--dir D] [--host H]
 * [--ec2-port N] [--route53-port N] [--timings JSON]`. One JSON line per request and per event on
 * stdout; the first, `fleet_emulator_ready`, gives the endpoints. SIGTERM or SIGINT stops it.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: STATE_DIR },
      host: { type: 'string', default: '127.0.0.1' },
      'ec2-port': { type: 'string', default: '0' },
      'route53-port': { type: 'string', default: '0' },
      timings: { type: 'string', default: '{}' },
    },
  });
  const logger = createLogger('fleet-emulator');
  let timings: Partial<FleetTimings>;
  try {
    timings = JSON.parse(values.timings) as Partial<FleetTimings>;
  } catch (e: unknown) {
    process.stderr.write(`fleet-emulator: --timings is not JSON: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const emu = await startFleetEmulator({
    dir: values.dir,
    host: values.host,
    ec2Port: Number(values['ec2-port']),
    route53Port: Number(values['route53-port']),
    timings,
    log: (line) => logger.info(line, String(line.event)),
  });
  emu.events.on('event', (e) => logger.info({ detailType: e['detail-type'], resources: e.resources, detail: e.detail }, 'fleet_event'));
  logger.info({ ec2: emu.ec2Endpoint, route53: emu.route53Endpoint, dir: values.dir }, 'fleet_emulator_ready');
  return untilTerminated({ stop: () => emu.close(), deadlineMs: 5000, logger });
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`fleet-emulator: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
