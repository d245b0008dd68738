package cn.medicalinsurance.sdk;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A small test runner (JUnit is not available offline): runs every case, prints "N passed, N failed". */
public final class TestRunner {
    /** One test case. */
    @FunctionalInterface
    interface Case {
        void run() throws Exception;
    }

    private final List<String> failures = new ArrayList<>();
    private int passed;

    void test(String name, Case body) {
        long start = System.nanoTime();
        try {
            body.run();
            passed++;
            System.out.printf("ok    %s (%d ms)%n", name, (System.nanoTime() - start) / 1_000_000);
        } catch (Throwable t) {
            failures.add(name);
            System.out.printf("FAIL  %s: %s%n", name, t);
            StackTraceElement[] trace = t.getStackTrace();
            for (int i = 0; i < Math.min(4, trace.length); i++) {
                System.out.println("        at " + trace[i]);
            }
        }
    }

    static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    static void equal(Object expected, Object actual, String what) {
        if (!Objects.equals(expected, actual)) {
            throw new AssertionError(what + ": expected <" + expected + "> but was <" + actual + ">");
        }
    }

    /** The exception {@code body} throws, which must be a {@code type}. */
    static <T extends Throwable> T raises(Class<T> type, Case body) throws Exception {
        try {
            body.run();
        } catch (Throwable t) {
            Throwable actual = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
            if (type.isInstance(actual)) {
                return type.cast(actual);
            }
            throw new AssertionError("expected " + type.getSimpleName() + " but got " + actual, actual);
        }
        throw new AssertionError("expected " + type.getSimpleName() + " but nothing was thrown");
    }

    public static void main(String[] args) {
        TestRunner runner = new TestRunner();
        UnitTests.register(runner);
        String url = System.getenv("MEDICAL_INSURANCE_API_URL");
        if (url == null || url.isEmpty()) {
            System.out.println("MEDICAL_INSURANCE_API_URL is not set: live tests not run (clients/harness.py sets it)");
        } else {
            LiveTests.register(runner, args.length > 0 ? args[0] : null);
        }
        System.out.println();
        if (!runner.failures.isEmpty()) {
            System.out.println("failed: " + String.join(", ", runner.failures));
        }
        System.out.println(runner.passed + " passed, " + runner.failures.size() + " failed");
        System.exit(runner.failures.isEmpty() ? 0 : 1);
    }
}
