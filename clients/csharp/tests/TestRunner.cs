// The test runner (NUnit/xUnit are not available offline): every [test] is a named Action; a failed assertion
// or an unexpected exception fails it.  Prints one line per test and the closing line `N passed, N failed`.
//
//   mono Tests.exe unit        # the core's unit tests, no network
//   mono Tests.exe live        # against the gateway of MEDICAL_INSURANCE_API_URL (clients/harness.py)
using System;
using System.Collections.Generic;
using System.Linq;

namespace MedicalInsurance.Sdk.Tests
{
    public sealed class AssertionFailed : Exception
    {
        public AssertionFailed(string message) : base(message) { }
    }

    public static class Check
    {
        public static void True(bool condition, string what)
        {
            if (!condition) throw new AssertionFailed(what);
        }

        public static void Equal<T>(T expected, T actual, string what = "")
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
                throw new AssertionFailed(what + ": expected <" + expected + "> but was <" + actual + ">");
        }

        public static T Throws<T>(Action action, string what = "") where T : Exception
        {
            try { action(); }
            catch (T expected) { return expected; }
            catch (Exception other) { throw new AssertionFailed(what + ": expected " + typeof(T).Name + " but got " + other.GetType().Name + ": " + other.Message); }
            throw new AssertionFailed(what + ": expected " + typeof(T).Name + " but nothing was thrown");
        }
    }

    public static class Runner
    {
        public static int Main(string[] args)
        {
            string which = args.Length > 0 ? args[0] : "unit";
            var tests = new List<KeyValuePair<string, Action>>();
            if (which == "unit" || which == "all") tests.AddRange(UnitTests.All());
            if (which == "live" || which == "all") tests.AddRange(LiveTests.All());
            int passed = 0, failed = 0;
            foreach (var test in tests)
            {
                try
                {
                    test.Value();
                    passed++;
                    Console.WriteLine("ok      " + test.Key);
                }
                catch (Exception e)
                {
                    failed++;
                    Exception shown = e is AggregateException && e.InnerException != null ? e.InnerException : e;
                    Console.WriteLine("FAILED  " + test.Key + ": " + shown.GetType().Name + ": " + shown.Message);
                    if (!(shown is AssertionFailed)) Console.WriteLine(shown.StackTrace);
                }
            }
            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 ? 0 : 1;
        }
    }
}
