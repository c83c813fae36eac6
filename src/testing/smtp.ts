/**
 * A real SMTP server on loopback for tests (smtp-server), keeping each accepted message parsed
 * with mailparser. It offers STARTTLS with smtp-server's built-in self-signed certificate (so
 * clients must not verify it), may require AUTH, and can refuse (550), defer (451) or drop
 * the connection mid-transaction.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** What the server does with the next transactions. */
export type SmtpBehaviour = 'accept' | 'reject' | 'tempfail' | 'drop';

/** One message the server accepted. */
export interface ReceivedMail {
  /** `MAIL FROM` and `RCPT TO` addresses. */
  envelope: { from: string; to: string[] };
  /** `From` header, as text. */
  from: string;
  /** Addresses of the `To` header. */
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Header values as text, names lower-cased (`x-vigil-alert-ids`). */
  headers: Record<string, string>;
  /** Whether the session ran over TLS (STARTTLS or implicit). */
  secure: boolean;
  /** The authenticated user, if the client logged in. */
  user: string | null;
}

/** A running test server. */
export interface TestSmtpServer {
  port: number;
  messages: ReceivedMail[];
  /** Changes the behaviour for the next `count` transactions (default: until changed again). */
  setBehaviour(behaviour: SmtpBehaviour, count?: number): void;
  close(): Promise<void>;
}

/** Options of {@link startSmtpServer}. */
export interface SmtpServerOptions {
  /** Offer STARTTLS (default true). */
  starttls?: boolean;
  /** Require AUTH PLAIN/LOGIN with these credentials. */
  auth?: { user: string; pass: string };
  behaviour?: SmtpBehaviour;
}

function smtpError(message: string, responseCode: number): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * Starts the server on 127.0.0.1 (ephemeral port).
 * @example const smtp = await startSmtpServer({ auth: { user: 'vigil', pass: 'secret' } }); … await smtp.close();
 */
export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  let base: SmtpBehaviour = options.behaviour ?? 'accept';
  let override: { behaviour: SmtpBehaviour; remaining: number } | null = null;
  const chosen = new Map<string, SmtpBehaviour>();

  /** The behaviour of a session's current transaction, chosen at its first RCPT and kept for DATA. */
  const behaviourOf = (session: SMTPServerSession): SmtpBehaviour => {
    const key = `${session.id}:${session.transaction}`;
    let behaviour = chosen.get(key);
    if (!behaviour) {
      behaviour = override?.behaviour ?? base;
      if (override && --override.remaining <= 0) override = null;
      chosen.set(key, behaviour);
    }
    return behaviour;
  };

  const server: SMTPServer = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    // Refuse the command too: hiding it alone lets a client that insists (requireTLS) upgrade.
    disabledCommands: options.starttls === false ? ['STARTTLS'] : [],
    allowInsecureAuth: options.starttls === false,
    authOptional: !options.auth,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) return callback(null, { user: auth.username });
      callback(smtpError('Invalid username or password', 535));
    },
    onRcptTo(_address, session, callback) {
      const behaviour = behaviourOf(session);
      if (behaviour === 'reject') return callback(smtpError('Recipient refused by test server', 550));
      if (behaviour === 'tempfail') return callback(smtpError('Mailbox busy, try again later', 451));
      callback();
    },
    onData(stream, session, callback) {
      const behaviour = behaviourOf(session);
      if (behaviour === 'drop') {
        // Read part of the message, then cut the connection before any reply.
        stream.once('data', () => {
          for (const connection of server.connections) if (connection.session?.id === session.id) connection._socket.destroy();
        });
        stream.resume();
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
          const headers: Record<string, string> = {};
          for (const line of mail.headerLines) headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim();
          messages.push({
            envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) },
            from: mail.from?.text ?? '',
            to: to.flatMap((a) => a.value.map((v) => v.address ?? '')),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: mail.html || '',
            headers,
            secure: session.secure,
            user: typeof session.user === 'string' ? session.user : null,
          });
          callback(null, `Message queued as test-${messages.length}`);
        })
        .catch((err: Error) => callback(smtpError(`Cannot parse message: ${err.message}`, 554)));
    },
  });
  server.on('error', () => {
    // Dropped connections surface here; the test asserts what the client saw.
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    messages,
    setBehaviour(behaviour, count) {
      if (count === undefined) {
        base = behaviour;
        override = null;
      } else override = { behaviour, remaining: count };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
