/** A plain aedes broker on 127.0.0.1:<port> (argv[2]): the gateway benchmark's reference. */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const port = Number(process.argv[2]);
const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
server.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
