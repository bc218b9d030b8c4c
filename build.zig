// build.zig — how CodeGraph is built (zig 0.11.0, C through `zig cc`).
//
// Targets:
//   zig build                     codegraph + codegraph-api into zig-out/bin
//   zig build tests               every unit test (tests/unit/**/*.c) into zig-out/tests
//   zig build integration         the integration tests (tests/integration) on the binary
//   zig build fuzz                libFuzzer targets with clang (tools/fuzz.sh build)
//   zig build lint                function length, line width, clang-format (tools/lint.sh)
//   zig build bench-bins          benchmark programs (bench/**/*.c) into zig-out/bench
//   zig build bench               the benchmarks in bench/ (each prints ratios vs a peer)
//
// Sources are discovered by walking src/ and tests/unit/, so adding a file never needs an
// edit here. Our code builds with -Wall -Wextra -Werror; fetched code (vendor/) does not.
// The FAISS bridge is C++ compiled by Debian's g++ so that it matches libfaiss.a's
// libstdc++ ABI; `zig cc` would silently pick its own libc++ (see ARCHITECTURE.md §2).
const std = @import("std");

const our_cflags = [_][]const u8{
    "-std=c11",          "-D_GNU_SOURCE",      "-Wall", "-Wextra", "-Werror",
    "-Wno-unused-parameter", "-Wshadow",       "-Wstrict-prototypes",
    "-fno-omit-frame-pointer",
};
const vendor_cflags = [_][]const u8{ "-std=c11", "-D_DEFAULT_SOURCE", "-w", "-O2" };

const libdir = "/usr/lib/x86_64-linux-gnu";

/// A tree-sitter grammar compiled into the binary: its name (tree_sitter_<name>), the
/// folder holding parser.c (+ scanner.c) and the npm package it came from.
const Grammar = struct { name: []const u8, src: []const u8, pkg: []const u8 };

const grammars = [_]Grammar{
    .{ .name = "rust", .src = "rust/src", .pkg = "rust" },
    .{ .name = "python", .src = "python/src", .pkg = "python" },
    .{ .name = "javascript", .src = "javascript/src", .pkg = "javascript" },
    .{ .name = "typescript", .src = "typescript/typescript/src", .pkg = "typescript" },
    .{ .name = "tsx", .src = "typescript/tsx/src", .pkg = "typescript" },
    .{ .name = "go", .src = "go/src", .pkg = "go" },
    .{ .name = "java", .src = "java/src", .pkg = "java" },
    .{ .name = "cpp", .src = "cpp/src", .pkg = "cpp" },
    .{ .name = "c", .src = "c/src", .pkg = "c" },
    .{ .name = "c_sharp", .src = "c-sharp/src", .pkg = "c-sharp" },
    .{ .name = "kotlin", .src = "kotlin/src", .pkg = "kotlin" },
    .{ .name = "php", .src = "php/php/src", .pkg = "php" },
    .{ .name = "ruby", .src = "ruby/src", .pkg = "ruby" },
    .{ .name = "swift", .src = "swift/src", .pkg = "swift" },
    .{ .name = "scala", .src = "scala/src", .pkg = "scala" },
    .{ .name = "dart", .src = "dart/src", .pkg = "dart" },
};

fn lessThan(_: void, a: []const u8, b: []const u8) bool {
    return std.mem.lessThan(u8, a, b);
}

/// Every file under `dir` ending in `ext`, sorted, minus `skip`.
fn collect(b: *std.Build, dir: []const u8, ext: []const u8, skip: []const u8) [][]const u8 {
    var list = std.ArrayList([]const u8).init(b.allocator);
    var d = b.build_root.handle.openIterableDir(dir, .{}) catch return list.items;
    defer d.close();
    var w = d.walk(b.allocator) catch @panic("walk");
    defer w.deinit();
    while (w.next() catch @panic("walk")) |e| {
        if (e.kind != .file or !std.mem.endsWith(u8, e.path, ext)) continue;
        const p = b.pathJoin(&.{ dir, e.path });
        if (std.mem.eql(u8, p, skip)) continue;
        list.append(p) catch @panic("oom");
    }
    std.mem.sort([]const u8, list.items, {}, lessThan);
    return list.items;
}

fn fileExists(b: *std.Build, path: []const u8) bool {
    b.build_root.handle.access(path, .{}) catch return false;
    return true;
}

const Parts = struct {
    core: *std.Build.Step.Compile,
    ts: *std.Build.Step.Compile,
    bridge: std.Build.LazyPath,
};

fn addTreeSitter(b: *std.Build, t: std.zig.CrossTarget) *std.Build.Step.Compile {
    const lib = b.addStaticLibrary(.{ .name = "cgtreesitter", .target = t, .optimize = .ReleaseFast });
    lib.addIncludePath(.{ .path = "vendor/tree-sitter/lib/include" });
    lib.addIncludePath(.{ .path = "vendor/tree-sitter/lib/src" });
    lib.addCSourceFiles(&.{"vendor/tree-sitter/lib/src/lib.c"}, &vendor_cflags);
    for (grammars) |g| {
        // Each grammar is its own object so parser.c/scanner.c names never clash.
        const src = b.fmt("vendor/grammars/{s}", .{g.src});
        const flags = [_][]const u8{ "-std=c11", "-D_DEFAULT_SOURCE", "-w", "-O2", "-I", src };
        lib.addCSourceFiles(&.{b.fmt("{s}/parser.c", .{src})}, &flags);
        const scanner = b.fmt("{s}/scanner.c", .{src});
        if (fileExists(b, scanner)) lib.addCSourceFiles(&.{scanner}, &flags);
    }
    lib.linkLibC();
    return lib;
}

fn addBridge(b: *std.Build) std.Build.LazyPath {
    const cxx = b.addSystemCommand(&.{ "g++", "-O2", "-std=c++17", "-fPIC", "-Wall", "-Werror" });
    cxx.addArgs(&.{ "-Iinclude", "-c" });
    cxx.addFileArg(.{ .path = "src/vector/faiss_bridge.cpp" });
    cxx.addArg("-o");
    return cxx.addOutputFileArg("faiss_bridge.o");
}

/// Everything a CodeGraph executable links, in an order the static archives need.
fn linkAll(exe: *std.Build.Step.Compile, p: Parts) void {
    exe.addIncludePath(.{ .path = "include" });
    exe.addIncludePath(.{ .path = "src" });
    exe.addIncludePath(.{ .path = "vendor/tree-sitter/lib/include" });
    // mimalloc first: its malloc/free/operator new win for the whole process.
    exe.linkSystemLibrary("mimalloc");
    exe.linkLibrary(p.core);
    exe.linkLibrary(p.ts);
    exe.addObjectFile(p.bridge);
    exe.addObjectFile(.{ .path = libdir ++ "/libfaiss.a" });
    for ([_][]const u8{ "uring", "rocksdb", "jansson", "xxhash", "openblas", "lapack", "m" }) |l|
        exe.linkSystemLibrary(l);
    exe.addObjectFile(.{ .path = libdir ++ "/libgomp.so.1" });
    exe.addObjectFile(.{ .path = libdir ++ "/libstdc++.so.6" });
    exe.addObjectFile(.{ .path = "/lib/x86_64-linux-gnu/libgcc_s.so.1" });
    exe.linkLibC();
}

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});

    const core = b.addStaticLibrary(.{ .name = "cgcore", .target = target, .optimize = optimize });
    core.addIncludePath(.{ .path = "include" });
    core.addIncludePath(.{ .path = "src" });
    core.addIncludePath(.{ .path = "vendor/tree-sitter/lib/include" });
    core.addCSourceFiles(collect(b, "src", ".c", "src/main.c"), &our_cflags);
    core.defineCMacro("CG_VERSION", b.fmt("\"{s}\"", .{version(b)}));
    core.defineCMacro("CG_COMMIT", b.fmt("\"{s}\"", .{commit(b)}));
    core.defineCMacro("CG_GRAMMARS", b.fmt("\"{s}\"", .{grammarVersions(b)}));
    const gen = b.addWriteFiles();
    core.addCSourceFile(.{ .file = gen.add("cg_queries.c", queriesSource(b)), .flags = &.{"-std=c11"} });
    core.linkLibC();

    const parts = Parts{ .core = core, .ts = addTreeSitter(b, target), .bridge = addBridge(b) };

    const exe = b.addExecutable(.{ .name = "codegraph", .target = target, .optimize = optimize });
    exe.addCSourceFiles(&.{"src/main.c"}, &our_cflags);
    linkAll(exe, parts);
    b.installArtifact(exe);
    b.getInstallStep().dependOn(&b.addInstallBinFile(exe.getEmittedBin(), "codegraph-api").step);

    const tests = b.step("tests", "Build every unit test into zig-out/tests");
    for (collect(b, "tests/unit", ".c", "")) |src| {
        const name = std.mem.replaceOwned(u8, b.allocator, src["tests/unit/".len .. src.len - 2], "/", "_") catch @panic("oom");
        const t = b.addExecutable(.{ .name = name, .target = target, .optimize = optimize });
        t.addIncludePath(.{ .path = "tests/unit" });
        t.addCSourceFiles(&.{src}, &our_cflags);
        linkAll(t, parts);
        const inst = b.addInstallArtifact(t, .{ .dest_dir = .{ .override = .{ .custom = "tests" } } });
        tests.dependOn(&inst.step);
    }

    const bench_bins = b.step("bench-bins", "Build the benchmark programs (bench/**/*.c) into zig-out/bench");
    for (collect(b, "bench", ".c", "")) |src| {
        const name = std.mem.replaceOwned(u8, b.allocator, src["bench/".len .. src.len - 2], "/", "_") catch @panic("oom");
        const t = b.addExecutable(.{ .name = name, .target = target, .optimize = .ReleaseFast });
        t.addCSourceFiles(&.{src}, &our_cflags);
        linkAll(t, parts);
        const inst = b.addInstallArtifact(t, .{ .dest_dir = .{ .override = .{ .custom = "bench" } } });
        bench_bins.dependOn(&inst.step);
    }

    const integ = b.step("integration", "Run the integration tests against the installed binary");
    const run_integ = b.addSystemCommand(&.{ "python3", "tests/integration/run.py" });
    run_integ.setEnvironmentVariable("CG_BIN", b.getInstallPath(.bin, "codegraph"));
    run_integ.step.dependOn(b.getInstallStep());
    integ.dependOn(&run_integ.step);

    const fuzz = b.step("fuzz", "Build the libFuzzer targets with clang (zig cc has no libFuzzer)");
    fuzz.dependOn(&b.addSystemCommand(&.{ "tools/fuzz.sh", "build" }).step);
    const lint = b.step("lint", "Function length <= 70, lines <= 100 columns, clang-format");
    lint.dependOn(&b.addSystemCommand(&.{"tools/lint.sh"}).step);
    const bench = b.step("bench", "Run the benchmarks in bench/ (they print ratios vs peers)");
    const run_bench = b.addSystemCommand(&.{"bench/run.sh"});
    run_bench.step.dependOn(b.getInstallStep());
    run_bench.step.dependOn(bench_bins);
    bench.dependOn(&run_bench.step);
}

fn version(b: *std.Build) []const u8 {
    const v = b.build_root.handle.readFileAlloc(b.allocator, "VERSION", 64) catch return "0.0.0";
    return std.mem.trim(u8, v, " \n\r\t");
}

fn commit(b: *std.Build) []const u8 {
    var code: u8 = 0;
    const out = b.execAllowFail(&.{ "git", "-C", b.build_root.path orelse ".", "rev-parse", "--short=12", "HEAD" }, &code, .Ignore) catch return "unknown";
    return std.mem.trim(u8, out, " \n\r\t");
}

/// The "version" field of an npm package.json (first occurrence), or "?".
fn npmVersion(b: *std.Build, pkg_json: []const u8) []const u8 {
    const text = b.build_root.handle.readFileAlloc(b.allocator, pkg_json, 1 << 20) catch return "?";
    const key = "\"version\"";
    const at = std.mem.indexOf(u8, text, key) orelse return "?";
    var rest = text[at + key.len ..];
    const q1 = std.mem.indexOfScalar(u8, rest, '"') orelse return "?";
    rest = rest[q1 + 1 ..];
    const q2 = std.mem.indexOfScalar(u8, rest, '"') orelse return "?";
    return rest[0..q2];
}

/// "python 0.25.0, rust 0.24.0" for --version.
fn grammarVersions(b: *std.Build) []const u8 {
    var out = std.ArrayList(u8).init(b.allocator);
    for (grammars, 0..) |g, i| {
        if (i > 0) out.appendSlice(", ") catch @panic("oom");
        const pj = b.fmt("vendor/grammars/{s}/package.json", .{g.pkg});
        out.appendSlice(b.fmt("{s} {s}", .{ g.name, npmVersion(b, pj) })) catch @panic("oom");
    }
    return out.items;
}

/// C source embedding every src/lang/<grammar>.scm as cg_query_<grammar>[] (empty when the
/// file does not exist yet) plus each grammar's npm version as cg_grammar_version_<name>.
fn queriesSource(b: *std.Build) []const u8 {
    var out = std.ArrayList(u8).init(b.allocator);
    const w = out.writer();
    w.writeAll("/* generated by build.zig from src/lang/*.scm — do not edit */\n") catch unreachable;
    for (grammars) |g| {
        const text = queryText(b, g.name);
        w.print("const char cg_query_{s}[] = \"", .{g.name}) catch unreachable;
        for (text) |c| switch (c) {
            '\\' => w.writeAll("\\\\") catch unreachable,
            '"' => w.writeAll("\\\"") catch unreachable,
            '\n' => w.writeAll("\\n\"\n\"") catch unreachable,
            else => w.writeByte(c) catch unreachable,
        };
        w.print("\";\nconst unsigned long cg_query_{s}_len = {d};\n", .{ g.name, text.len }) catch unreachable;
        const pj = b.fmt("vendor/grammars/{s}/package.json", .{g.pkg});
        w.print("const char cg_grammar_version_{s}[] = \"{s}\";\n", .{ g.name, npmVersion(b, pj) }) catch unreachable;
    }
    return out.items;
}

/// src/lang/<name>.scm with every line "; include: OTHER.scm" replaced by that file (one
/// level: a grammar that extends another reuses its query instead of copying it).
fn queryText(b: *std.Build, name: []const u8) []const u8 {
    const path = b.fmt("src/lang/{s}.scm", .{name});
    const text = b.build_root.handle.readFileAlloc(b.allocator, path, 1 << 20) catch return "";
    var out = std.ArrayList(u8).init(b.allocator);
    var lines = std.mem.splitScalar(u8, text, '\n');
    const directive = "; include: ";
    while (lines.next()) |line| {
        if (std.mem.startsWith(u8, line, directive)) {
            const other = b.fmt("src/lang/{s}", .{std.mem.trim(u8, line[directive.len..], " \r")});
            const inc = b.build_root.handle.readFileAlloc(b.allocator, other, 1 << 20) catch
                @panic("a query includes a file that does not exist");
            out.appendSlice(inc) catch @panic("oom");
        } else {
            out.appendSlice(line) catch @panic("oom");
        }
        out.append('\n') catch @panic("oom");
    }
    return out.items;
}
