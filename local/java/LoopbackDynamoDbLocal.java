// DynamoDB Local listening on 127.0.0.1 only. Its command line has no bind option and its Jetty
// server listens on every interface, so this builds the server from the same arguments the jar's
// own main() takes, points each connector at loopback, then starts it. Anything unexpected in the
// jar (a renamed field, another kind of connector) stops it rather than listening everywhere.
// It also ends when its standard input closes: the process that started it holds the other end of
// that pipe, so however that process ends (a signal it could not handle, SIGKILL included) the
// database does not outlive it, holding its port and its data folder.
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class LoopbackDynamoDbLocal {
  private static final String HOST = "127.0.0.1";

  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    Connector[] connectors = jetty.getConnectors();
    if (connectors.length == 0) fail("DynamoDB Local's server has no connector");
    for (Connector connector : connectors) {
      if (!(connector instanceof ServerConnector)) {
        fail("DynamoDB Local has a connector that cannot be bound to " + HOST + ": " + connector);
      }
      ((ServerConnector) connector).setHost(HOST);
    }
    proxy.start(); // on a bind failure it prints why and stops the server
    if (!jetty.isStarted()) fail("DynamoDB Local did not start");
    exitWhenParentGoes();
    proxy.join();
  }

  /** Reads standard input until it closes (the parent's end of the pipe went with the parent), then exits. */
  private static void exitWhenParentGoes() {
    Thread watcher =
        new Thread(
            () -> {
              try {
                while (System.in.read() != -1) {
                  // nothing is ever written; the read only waits for the end
                }
              } catch (java.io.IOException closed) {
                // the same: the pipe is gone
              }
              System.exit(0);
            },
            "parent-watcher");
    watcher.setDaemon(true);
    watcher.start();
  }

  private static void fail(String message) {
    System.err.println(message);
    System.exit(1);
  }
}
