// The baseline of the indexing benchmark: the plainest single-writer Xapian loop over
// the same files (TermGenerator with positions over the raw file text, one
// replace_document per file, one commit), as ../shared/XAPIAN-NOTES.md measured it.
//   plain_loop CORPUS_DIR INDEX_DIR
#include <xapian.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: plain_loop CORPUS_DIR INDEX_DIR\n";
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(argv[1])) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".md" || ext == ".markdown")) files.push_back(e.path());
  }
  Xapian::WritableDatabase db(argv[2], Xapian::DB_CREATE_OR_OVERWRITE);
  Xapian::TermGenerator tg;
  tg.set_stemmer(Xapian::Stem("en"));
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    Xapian::Document doc;
    tg.set_document(doc);
    tg.index_text(ss.str());
    const std::string id = "Q" + f.string().substr(0, 240);
    doc.add_boolean_term(id);
    db.replace_document(id, doc);
  }
  db.commit();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << files.size() << " files in " << s << " s\n";
  return 0;
}
