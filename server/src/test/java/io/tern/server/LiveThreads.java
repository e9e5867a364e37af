package io.tern.server;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The threads alive in this JVM, virtual ones included, read from the JDK's thread containers (where the
 * JDK's own thread dump finds them) without walking any thread's stack: a stack walk of a virtual thread
 * that unmounts meanwhile crashed JDK 25.0.3 ({@code stackChunkOopDesc::sender}). Needs
 * {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED}, which the build's test JVMs get.
 */
public final class LiveThreads {
    private static final Method ROOT;
    private static final Method CHILDREN;
    private static final Method THREADS;

    static {
        try {
            Class<?> containers = Class.forName("jdk.internal.vm.ThreadContainers");
            Class<?> container = Class.forName("jdk.internal.vm.ThreadContainer");
            ROOT = containers.getMethod("root");
            CHILDREN = container.getMethod("children");
            THREADS = container.getMethod("threads");
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private LiveThreads() {
    }

    /** Every live thread, platform and virtual, at one moment (threads come and go while it is read). */
    public static List<Thread> all() {
        List<Thread> out = new ArrayList<>();
        try {
            collect(ROOT.invoke(null), out);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the JDK's thread containers cannot be read: " + e, e);
        }
        return out;
    }

    /** Live virtual threads. */
    public static int virtual() {
        return (int) all().stream().filter(Thread::isVirtual).count();
    }

    @SuppressWarnings("unchecked")
    private static void collect(Object container, List<Thread> out) throws ReflectiveOperationException {
        try (Stream<Thread> threads = (Stream<Thread>) THREADS.invoke(container)) {
            threads.filter(Thread::isAlive).forEach(out::add);
        }
        List<Object> children;
        try (Stream<Object> s = (Stream<Object>) CHILDREN.invoke(container)) {
            children = s.toList();
        }
        for (Object child : children) {
            collect(child, out);
        }
    }
}
