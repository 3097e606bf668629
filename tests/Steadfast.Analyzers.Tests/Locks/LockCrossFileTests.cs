using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using SF1001 = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<
    Steadfast.Analyzers.Locks.SF1001LockReleasedWithoutOwnershipCheckAnalyzer>;
using SF1003 = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<
    Steadfast.Analyzers.Locks.SF1003LockNotReleasedOnAllPathsAnalyzer>;
using SF1004 = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<
    Steadfast.Analyzers.Locks.SF1004LockAcquisitionResultIgnoredAnalyzer>;

namespace Steadfast.Analyzers.Tests.Locks;

/// <summary>Values, helpers, callers and handle types followed across the files of one compilation.</summary>
public sealed class LockCrossFileTests
{
    private static DiagnosticResult Origin(int at, int origin) =>
        new DiagnosticResult("SF1001", DiagnosticSeverity.Warning).WithLocation(at).WithLocation(origin);

    [Fact]
    public Task SF1001_HelperInOneFile_CallerPassesMachineNameInAnother() => SF1001.VerifyAsync(["""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        static class LockHelper
        {
            public static Task<bool> AcquireLockAsync(this IDatabaseAsync db, string key, string owner) =>
                db.StringSetAsync(key, {|#0:owner|}, TimeSpan.FromSeconds(30), When.NotExists);
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Caller
        {
            Task<bool> Run(IDatabaseAsync db) => db.AcquireLockAsync("orders", {|#1:Environment.MachineName|});
        }
        """], Origin(1, 0));

    [Fact]
    public Task SF1001_HelperReturningAConstantOwner_InAnotherFile() => SF1001.VerifyAsync(["""
        static class Owners
        {
            public static string Current() => {|#1:"worker"|};
        }
        """, """
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            bool Take(IDatabase db) => db.LockTake("jobs", {|#0:Owners.Current()|}, TimeSpan.FromSeconds(30));
        }
        """], Origin(0, 1));

    [Fact]
    public Task SF1001_PartialType_FieldValueInOneFile_AcquireInAnother() => SF1001.VerifyAsync(["""
        partial class Locker
        {
            private readonly string _owner = {|#1:""|};
        }
        """, """
        using System;
        using StackExchange.Redis;
        partial class Locker
        {
            bool Take(IDatabase db) => db.StringSet("jobs", {|#0:_owner|}, TimeSpan.FromSeconds(30), When.NotExists);
        }
        """], Origin(0, 1));

    [Fact]
    public Task SF1001_HandleWhoseDisposeDeletesTheKey_CreatedByALockerInAnotherFile() => SF1001.VerifyAsync(["""
        using System;
        using StackExchange.Redis;
        sealed class Handle : IDisposable
        {
            private readonly IDatabase _db;
            private readonly RedisKey _key;
            public Handle(IDatabase db, RedisKey key) { _db = db; _key = key; }
            public void Dispose() => {|#0:_db.KeyDelete(_key)|};
        }
        """, """
        using System;
        using StackExchange.Redis;
        sealed class Locker
        {
            public Handle? TryTake(IDatabase db, string key) =>
                db.StringSet(key, Guid.NewGuid().ToString(), TimeSpan.FromSeconds(30), When.NotExists) ? new Handle(db, {|#1:key|}) : null;
        }
        """], new DiagnosticResult("SF1001", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(1));

    [Fact]
    public Task SF1001_UniqueTokenFromACallerInAnotherFile_IsClean() => SF1001.VerifyAsync(["""
        using System;
        using StackExchange.Redis;
        static class LockHelper
        {
            public static bool Take(IDatabase db, string key, string owner) => db.LockTake(key, owner, TimeSpan.FromSeconds(30));
        }
        """, """
        using System;
        using StackExchange.Redis;
        class Caller
        {
            bool Run(IDatabase db) => LockHelper.Take(db, "orders", Guid.NewGuid().ToString("N"));
        }
        """]);

    [Fact]
    public Task SF1003_AcquireAndReleaseHelpersDeclaredInAnotherFile() => SF1003.VerifyAsync(["""
        using System;
        using StackExchange.Redis;
        sealed class RedisLock
        {
            private readonly IDatabase _db;
            private readonly string _token = Guid.NewGuid().ToString();
            public RedisLock(IDatabase db) { _db = db; }
            public bool Acquire() => _db.StringSet("my_lock", _token, TimeSpan.FromSeconds(10), When.NotExists);
            public void Release() => _db.LockRelease("my_lock", _token);
        }
        """, """
        using System;
        using StackExchange.Redis;
        class Worker
        {
            void Run(IDatabase db)
            {
                var @lock = new RedisLock(db);
                if (@lock.Acquire())
                {
                    Console.WriteLine("Lock acquired.");
                    [|@lock.Release()|];
                }
            }
        }
        """]);

    [Fact]
    public Task SF1004_AcquireHelperInAnotherFile_ResultDiscarded() => SF1004.VerifyAsync(["""
        using System;
        using StackExchange.Redis;
        static class LockHelper
        {
            public static bool Take(this IDatabase db, string key, string token) => db.LockTake(key, token, TimeSpan.FromSeconds(30));
        }
        """, """
        using System;
        using StackExchange.Redis;
        class Worker
        {
            void Run(IDatabase db)
            {
                var token = Guid.NewGuid().ToString("N");
                [|db.Take("jobs", token)|];
                Console.WriteLine("work");
            }
        }
        """]);
}
