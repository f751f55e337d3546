/**
 * A smoke test of the Moddable platform, without the agent: an alternative `main`
 * (manifests/smoke) that walks every adapter once and logs each step. It counts its boots in
 * storage, reads the sensor, makes or loads a P-256 key and prints its fingerprint as the agent
 * does, signs and verifies, then logs in to the first broker with a binary password, subscribes
 * to its own topic, publishes a signed message, checks that the broker returned it unchanged, and
 * closes. The last line is `smoke-ok` or `smoke-failed`.
 */
import config from 'mc/config';
import { bytesEqual, fromHex, toHex, utf8Encode } from '../../../shared/bytes.js';
import { createTraceLog } from './log.js';
import { readMeterSettings } from './meter-config.js';
import { createModdablePlatform } from './platform.js';

async function smoke(): Promise<void> {
  const log = createTraceLog();
  const settings = readMeterSettings(config);
  // No grid here: the sensor runs on wall time.
  const platform = await createModdablePlatform(settings, log, { timeMs: 0, timeScale: 1 });
  const { clock, storage, crypto, random, sensor, mqtt } = platform;
  log('smoke-start', { meterId: settings.meterId, provider: crypto.name, now: clock.nowMs() });

  const boots = Number(storage.get('smokeBoots') ?? '0') + 1;
  storage.set('smokeBoots', String(boots));
  log('storage', { smokeBoots: boots, readBack: storage.get('smokeBoots') ?? '' });
  let tooLong = false;
  try {
    storage.set('a-key-of-16-chr', 'x');
    storage.set('a-key-of-16-chrs', 'x');
  } catch {
    tooLong = true;
  }
  storage.delete('a-key-of-16-chr');
  log('storage-limits', { sixteenCharKeyRefused: tooLong });

  log('random', { bytes: toHex(random(8)) });

  let keyHex = storage.get('smokeKey');
  if (keyHex === undefined) {
    keyHex = toHex(random(32));
    storage.set('smokeKey', keyHex);
  }
  const privateKey = fromHex(keyHex);
  let started = clock.nowMs();
  const publicKey = crypto.p256PublicKey(privateKey);
  log('key', {
    fingerprint: toHex(crypto.sha256.digest(publicKey)).slice(0, 16),
    ms: clock.nowMs() - started,
    publicKey: toHex(publicKey),
  });
  const message = utf8Encode(`smoke ${settings.meterId} boot ${boots}`);
  started = clock.nowMs();
  const signature = crypto.ecdsaP256Sign(privateKey, message);
  const signMs = clock.nowMs() - started;
  started = clock.nowMs();
  const verified = crypto.ecdsaP256Verify(publicKey, message, signature);
  log('ecdsa', { signMs, verifyMs: clock.nowMs() - started, verified, signature: toHex(signature) });
  if (!verified) throw new Error('own signature did not verify');
  log('sha256', { abc: toHex(crypto.sha256.digest(utf8Encode('abc'))) });

  await new Promise<void>((resolve) => clock.setTimer(2 * settings.pollMs, resolve));
  const now = clock.nowMs();
  const metered = sensor.metered(now - 15 * 60_000, 15 * 60_000);
  const forecast = sensor.forecast(now, 15 * 60_000);
  log('sensor', {
    kind: settings.sensor.kind,
    meteredExportWh: metered.exportedWh,
    meteredImportWh: metered.importedWh,
    forecastExportWh: forecast.exportedWh,
    forecastImportWh: forecast.importedWh,
  });

  const broker = settings.brokers[0];
  if (broker === undefined) throw new Error('no broker: build with brokers=host:port');
  const topic = `gridbid/smoke/${settings.meterId}`;
  const payload = new Uint8Array([...message, ...signature]);
  const password = new Uint8Array([0, 1, 2, 0xfe, 0xff, ...signature.subarray(0, 8)]);
  await new Promise<void>((resolve, reject) => {
    let sent = false;
    let session: { close(): void } | undefined;
    mqtt
      .connect(
        broker,
        { clientId: `smoke-${settings.meterId}`, username: settings.meterId, password },
        {
          onMessage(receivedTopic, body) {
            const same = receivedTopic === topic && bytesEqual(body, payload);
            log('mqtt-message', { topic: receivedTopic, bytes: body.length, same });
            if (same) session?.close();
            else reject(new Error('the broker returned a different message'));
          },
          onClose() {
            log('mqtt-closed', {});
            if (sent) resolve();
            else reject(new Error('session closed before the message came back'));
          },
        },
      )
      .then((opened) => {
        session = opened;
        log('mqtt-connected', { host: broker.host, port: broker.port, passwordBytes: password.length });
        opened.subscribe(topic);
        // The subscription is not acknowledged to the client: give the broker a moment.
        clock.setTimer(500, () => {
          opened.publish(topic, payload);
          sent = true;
          log('mqtt-published', { topic, bytes: payload.length });
        });
      }, reject);
  });
}

smoke().then(
  () => trace('smoke-ok\n'),
  (error: unknown) => trace(`smoke-failed ${error instanceof Error ? error.message : String(error)}\n`),
);
