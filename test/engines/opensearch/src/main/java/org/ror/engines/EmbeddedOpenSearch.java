/*
 * A single-node OpenSearch for the engine test suites: the server and its module plugins (HTTP/transport, common
 * analysis) loaded from the classpath, bound to loopback, data kept under the given directory. Started by
 * `npm run engines -- start` (scripts/engines/opensearch.ts); it stops cleanly on SIGTERM.
 *
 * Usage: java -cp 'target/classes:target/lib/*' org.ror.engines.EmbeddedOpenSearch <home dir> <http port>
 */
package org.ror.engines;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

public final class EmbeddedOpenSearch {
    /** Node's constructor taking classpath plugins is protected: this subclass opens it. */
    static final class ClasspathNode extends Node {
        ClasspathNode(Settings settings, Collection<Class<? extends Plugin>> plugins) {
            super(InternalSettingsPreparer.prepareEnvironment(settings, Collections.emptyMap(), null, () -> "ror-engines"), plugins, true);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: EmbeddedOpenSearch <home dir> <http port>");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int httpPort = Integer.parseInt(args[1]);
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("logs"));
        Settings settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "ror-engines")
            .put("node.name", "ror-engines")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", httpPort)
            // The transport port is not used by clients; any free one.
            .put("transport.port", "0")
            .put("transport.type", "netty4")
            .put("http.type", "netty4")
            // A test node on a shared machine: no disk watermarks blocking writes, no index auto-creation.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.auto_create_index", false)
            .build();
        Node node = new ClasspathNode(settings, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "ror-engines-shutdown"));
        node.start();
        System.out.println("OpenSearch started on http://127.0.0.1:" + httpPort);
        stopped.await();
    }
}
