import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

// DynamoDB Local has no host option and binds every interface; this launcher
// rebinds its Jetty connector to loopback before starting it.
// With --exit-with-parent it also exits when its stdin closes: the parent holds the only
// write end of that pipe, so even a SIGKILL of the parent (no chance to clean up) stops it.
// DynamoDB Local answers a transaction before its SQLite COMMIT runs (SQLiteDBAccess.commitTransaction
// only queues it), so every way out goes through proxy.stop(), which drains that queue first.
public class LoopbackDynamoDBLocal {
  private static final AtomicBoolean stopped = new AtomicBoolean();

  public static void main(String[] args) throws Exception {
    boolean exitWithParent = args.length > 0 && args[0].equals("--exit-with-parent");
    String[] serverArgs = exitWithParent ? Arrays.copyOfRange(args, 1, args.length) : args;
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(serverArgs);
    Field serverField = DynamoDBProxyServer.class.getDeclaredField("server");
    serverField.setAccessible(true);
    Server server = (Server) serverField.get(proxy);
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    proxy.start();
    // SIGTERM and SIGINT run shutdown hooks: without this one they drop queued commits.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopQuietly(proxy), "drain-on-shutdown"));
    if (exitWithParent) {
      Thread watchdog = new Thread(() -> {
        try {
          while (System.in.read() != -1) {
            // Nothing is ever written: only the end of the stream matters.
          }
        } catch (java.io.IOException ignored) {
          // A broken pipe means the parent is gone as well.
        }
        stop(proxy);
      }, "parent-watchdog");
      watchdog.setDaemon(true);
      watchdog.start();
    }
  }

  private static void stop(DynamoDBProxyServer proxy) {
    // A stop that hangs must not keep an orphan alive.
    Thread halt = new Thread(() -> {
      try {
        Thread.sleep(5000);
      } catch (InterruptedException ignored) {
        // exiting anyway
      }
      Runtime.getRuntime().halt(1);
    }, "halt-after-timeout");
    halt.setDaemon(true);
    halt.start();
    stopQuietly(proxy);
    System.exit(0);
  }

  private static void stopQuietly(DynamoDBProxyServer proxy) {
    if (!stopped.compareAndSet(false, true)) return;
    try {
      proxy.stop();
    } catch (Exception ignored) {
      // exiting anyway
    }
  }
}
