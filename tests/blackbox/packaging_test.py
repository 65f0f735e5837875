"""At home in a publishing pipeline: the Jekyll plugin re-indexes on a real `jekyll build`;
the Debian package (scripts/package) unpacks into a fresh root, declares its library
dependencies, and its installed programs index and serve the example site; systemd accepts
its units; nginx accepts the example proxy configuration; bash completion offers --help's
flags."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, EXAMPLE_SITE, INDEXER, QUERY, SOURCE, query_json, run  # noqa: E402

PLUGIN = os.path.join(SOURCE, "examples", "jekyll", "_plugins", "postsearch.rb")


@unittest.skipUnless(shutil.which("jekyll"), "jekyll is not installed (scripts/install-deps installs it)")
class JekyllPlugin(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="postsearch-plugin-")
        self.site = os.path.join(self.tmp, "site")
        shutil.copytree(EXAMPLE_SITE, self.site, ignore=shutil.ignore_patterns("_site", ".jekyll-cache"))
        os.makedirs(os.path.join(self.site, "_plugins"), exist_ok=True)
        shutil.copy(PLUGIN, os.path.join(self.site, "_plugins"))
        self.idx = os.path.join(self.tmp, "search-index")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def configure(self, indexer):
        with open(os.path.join(self.site, "_config.yml"), "a") as f:
            f.write(f"\npostsearch:\n  index: ../search-index\n  indexer: {indexer}\n")

    def build(self, *extra):
        return run(["jekyll", "build", *(extra or ["--quiet"]), "-s", self.site,
                    "-d", os.path.join(self.tmp, "_site")], timeout=300)

    def test_every_build_updates_the_index(self):
        self.configure(INDEXER)
        p = self.build()
        self.assertEqual(p.returncode, 0, p.stderr)
        first = query_json(self.idx, "--info", check=0)
        self.assertEqual(first["documents"], 50)  # 47 posts, 3 pages
        with open(os.path.join(self.site, "_posts", "2026-11-20-plugin-test.md"), "w") as f:
            f.write("---\ntitle: Added after the first build\n---\nA pluginfreshword appears.\n")
        p = self.build()
        self.assertEqual(p.returncode, 0, p.stderr)
        hits = query_json(self.idx, "pluginfreshword", check=0)["hits"]
        self.assertEqual([h["id"] for h in hits], ["_posts/2026-11-20-plugin-test.md"])
        self.assertEqual(query_json(self.idx, "--info", check=0)["documents"], 51)

    def test_the_summary_is_information_and_a_bad_post_a_warning(self):
        self.configure(INDEXER)
        with open(os.path.join(self.site, "_posts", "2026-11-21-broken.md"), "w") as f:
            f.write("---\ntitle: [unclosed\n---\nBody.\n")
        p = self.build("--verbose")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout + p.stderr
        summary = next(line for line in out.splitlines() if "postsearch:" in line and "indexed:" in line)
        self.assertNotIn("\x1b[33m", summary)  # Jekyll's warnings are yellow
        problem = next(line for line in out.splitlines() if "postsearch:" in line and "broken.md:" in line)
        self.assertIn("\x1b[33m", problem)

    def test_a_missing_indexer_fails_the_build_with_a_clear_message(self):
        self.configure(os.path.join(self.tmp, "no-such-indexer"))
        p = self.build()
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no-such-indexer not found", p.stderr + p.stdout)

    def test_without_settings_the_plugin_says_so_and_the_build_goes_on(self):
        p = self.build("--trace")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("no postsearch.index", p.stderr + p.stdout)
        self.assertFalse(os.path.exists(self.idx))


class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="postsearch-deb-")
        # The build under test when it is configured for /usr (scripts/check does so): no
        # second build of the whole tree. Otherwise scripts/package's own Release build.
        command = [os.path.join(SOURCE, "scripts", "package"), cls.tmp]
        with open(os.path.join(BIN, "CMakeCache.txt")) as f:
            if "CMAKE_INSTALL_PREFIX:PATH=/usr\n" in f.read():
                command += ["--from", BIN]
        p = run(command, timeout=1500)
        if p.returncode != 0:
            raise AssertionError("scripts/package failed:\n" + p.stdout + p.stderr)
        cls.deb = p.stdout.strip().splitlines()[-1]
        cls.root = os.path.join(cls.tmp, "root")
        for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates"]:
            os.makedirs(os.path.join(cls.root, d))
        open(os.path.join(cls.root, "var/lib/dpkg/status"), "w").close()
        # Unpack into the fresh root (configure would run the postinst there, with no shell).
        p = run(["dpkg", "--root", cls.root, "--force-not-root", "--force-depends", "--unpack", cls.deb])
        if p.returncode != 0:
            raise AssertionError("dpkg --unpack failed:\n" + p.stdout + p.stderr)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, rel):
        return os.path.join(self.root, rel.lstrip("/"))

    def test_declares_the_library_packages_it_needs(self):
        depends = run(["dpkg-deb", "--field", self.deb, "Depends"], check=0).stdout
        for lib in ["libxapian30", "libyaml-cpp0.7", "libcmark0", "libgumbo", "libutf8proc2", "libxxhash0",
                    "libstdc++6", "libc6"]:
            self.assertIn(lib, depends)
        if os.geteuid() == 0 and shutil.which("apt-get"):
            p = run(["apt-get", "install", "--simulate", "--no-download", self.deb], timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("Inst postsearch", p.stdout)

    def test_installs_everything_in_its_place(self):
        for rel in ["/usr/bin/indexer", "/usr/bin/query", "/usr/share/man/man1/indexer.1.gz",
                    "/usr/share/man/man1/query.1.gz", "/usr/share/bash-completion/completions/query",
                    "/usr/share/bash-completion/completions/indexer", "/etc/postsearch/serve.yml",
                    "/etc/postsearch/indexer.yml", "/usr/lib/systemd/system/postsearch.service",
                    "/usr/lib/systemd/system/postsearch-index.service",
                    "/usr/lib/systemd/system/postsearch-index.path",
                    "/usr/lib/systemd/system/postsearch-index.timer", "/usr/lib/sysusers.d/postsearch.conf",
                    "/usr/share/postsearch/web/postsearch.js", "/usr/share/postsearch/jekyll/postsearch.rb",
                    "/usr/share/doc/postsearch/examples/postsearch.conf"]:
            # dpkg --unpack leaves conffiles as .dpkg-new until the package is configured.
            self.assertTrue(os.path.exists(self.path(rel)) or os.path.exists(self.path(rel) + ".dpkg-new"), rel)
        p = subprocess.run(["dpkg-deb", "-I", self.deb, "conffiles"], capture_output=True, text=True)
        self.assertIn("/etc/postsearch/serve.yml", p.stdout)

    def test_installed_programs_index_and_serve_the_example_site(self):
        idx = os.path.join(self.tmp, "idx")
        p = run([self.path("/usr/bin/indexer"), EXAMPLE_SITE, "--index", idx, "--json", "-q"], check=0)
        self.assertEqual(json.loads(p.stdout)["documents"], 50)
        p = run([self.path("/usr/bin/query"), "--index", idx, "--json", "sourdough"], check=0)
        self.assertEqual(json.loads(p.stdout)["hits"][0]["id"], "_posts/2019-11-30-sourdough-for-programmers.md")
        serve = subprocess.Popen([self.path("/usr/bin/query"), "serve", "--index", idx, "--listen", "127.0.0.1:0",
                                  "--web-dir", self.path("/usr/share/postsearch/web"), "-q"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = serve.stdout.readline()
            url = line[line.index("http://"):].split()[0].rstrip("/")
            js = run(["curl", "-sf", url + "/assets/postsearch.js"], check=0).stdout
            with open(self.path("/usr/share/postsearch/web/postsearch.js")) as f:
                self.assertEqual(js, f.read())
            ready = json.loads(run(["curl", "-sf", url + "/readyz"], check=0).stdout)
            self.assertEqual(ready["documents"], 50)
        finally:
            serve.terminate()
            serve.wait(timeout=20)

    @unittest.skipUnless(shutil.which("systemd-analyze"), "systemd-analyze not installed")
    def test_systemd_accepts_the_units(self):
        units = [self.path(f"/usr/lib/systemd/system/{u}") for u in
                 ["postsearch.service", "postsearch-index.service", "postsearch-index.path",
                  "postsearch-index.timer"]]
        # The fresh root has only the package: give it the system's own units (the targets
        # ours name) and kill(1), as an installed system has them.
        unit_dir = self.path("/usr/lib/systemd/system")
        for name in os.listdir("/usr/lib/systemd/system"):
            src, dst = os.path.join("/usr/lib/systemd/system", name), os.path.join(unit_dir, name)
            if not os.path.lexists(dst) and os.path.isfile(src) and not os.path.islink(src):
                shutil.copy(src, dst)
        if not os.path.lexists(self.path("/bin")):
            os.symlink("usr/bin", self.path("/bin"))
        shutil.copy(shutil.which("kill") or "/usr/bin/kill", self.path("/usr/bin/kill"))
        p = run(["systemd-analyze", "verify", f"--root={self.root}", "--man=no", *units], timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("postsearch", p.stderr)  # no warning about our units
        with open(units[0]) as f:
            service = f.read()
        for option in ["User=postsearch", "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectSystem=strict",
                       "ReadOnlyPaths=/var/lib/postsearch", "ExecStart=/usr/bin/query serve"]:
            self.assertIn(option, service)

    def test_man_pages_render_without_warnings(self):
        for name in ["indexer", "query"]:
            p = run(["man", "--warnings", "-l", self.path(f"/usr/share/man/man1/{name}.1.gz")],
                    env={**os.environ, "MANPAGER": "cat", "MANWIDTH": "100"})
            self.assertEqual((p.returncode, p.stderr), (0, ""), name)
            self.assertIn("--index", p.stdout.replace("\u2010", "-").replace("\x08", ""))

    def test_bash_completion_offers_the_flags_of_help(self):
        script = self.path("/usr/share/bash-completion/completions/query")
        cmd = (f"source {script}; COMP_WORDS=({self.path('/usr/bin/query')} --ta); COMP_CWORD=1; "
               f"_postsearch; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
        self.assertEqual(run(["bash", "-c", cmd], check=0).stdout.split(), ["--tag"])
        cmd = (f"source {script}; COMP_WORDS=({self.path('/usr/bin/query')} serve --cors); COMP_CWORD=2; "
               f"_postsearch; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
        self.assertEqual(run(["bash", "-c", cmd], check=0).stdout.split(), ["--cors-origin"])


class InstallTree(unittest.TestCase):
    def test_the_web_folder_is_installed_whole(self):
        # `query serve --web-dir /usr/share/postsearch/web` serves every asset the built-in copy
        # serves (postsearch-highlight.js was left out).
        tmp = tempfile.mkdtemp(prefix="postsearch-install-")
        try:
            run(["cmake", "--install", BIN, "--prefix", tmp], check=0)
            installed = os.listdir(os.path.join(tmp, "share", "postsearch", "web"))
            self.assertEqual(sorted(installed), sorted(os.listdir(os.path.join(SOURCE, "web"))))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class BashCompletion(unittest.TestCase):
    """The completion script of the source tree over the built query: its subcommands and
    each one's flags, as its own --help lists them."""

    def complete(self, *words):
        script = os.path.join(SOURCE, "examples", "bash-completion", "postsearch")
        cmd = (f"shopt -s extglob; source {script}; COMP_WORDS=({os.path.abspath(QUERY)} {' '.join(words)}); "
               f"COMP_CWORD={len(words)}; _postsearch; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
        return run(["bash", "-c", cmd], check=0).stdout.split()

    def test_subcommands_and_their_flags(self):
        self.assertEqual(self.complete("re"), ["report"])
        self.assertEqual(self.complete("te"), ["test"])
        self.assertEqual(self.complete("report", "--da"), ["--days"])
        self.assertEqual(self.complete("test", "--js"), ["--json"])
        self.assertEqual(self.complete("serve", "--cors"), ["--cors-origin"])
        self.assertEqual(self.complete("--ta"), ["--tag"])


@unittest.skipUnless(shutil.which("nginx"), "nginx is not installed (scripts/install-deps installs nginx-light)")
class NginxExample(unittest.TestCase):
    def test_nginx_accepts_the_example(self):
        tmp = tempfile.mkdtemp(prefix="postsearch-nginx-")
        try:
            conf = os.path.join(tmp, "nginx.conf")
            example = os.path.join(SOURCE, "examples", "nginx", "postsearch.conf")
            with open(conf, "w") as f:
                f.write(f"pid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\nevents {{}}\n"
                        f"http {{ access_log off; include {example}; }}\n")
            p = run(["nginx", "-t", "-q", "-p", tmp, "-c", conf, "-e", os.path.join(tmp, "error.log")])
            self.assertEqual(p.returncode, 0, p.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
