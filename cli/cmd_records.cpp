// `perfloop records --format xapi|csv -o FILE [--data DIR] [--learner NAME]`:
// the learner's saved attempts, quiz reviews and game days as learning
// records. Nothing is sent anywhere: the file is the interface. Files the
// export cannot read are named on stderr and skipped (exit 0); only bad
// arguments, a missing data folder or an output that cannot be written exit 2.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "sim/interop/learning_records.h"
#include "sim/io/atomic_file.h"
#include "sim/io/safe_text.h"
#include "sim/learn/data_folder.h"
#include "sim/learn/track.h"

namespace perfloop::cli {

namespace {

// The account name: --learner, else the login name, else "learner". The
// data folder itself names nobody.
std::string learner_name(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* user = std::getenv("USER"); user && *user) return user;
  return "learner";
}

// It goes into every statement and CSV row: one line of text, any script.
bool is_account_name(const std::string& name) {
  if (name.size() > 200 || !is_valid_utf8(name)) return false;
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

// The onboarding track's unlock score is what "passed" means for an
// attempt; without the track's file, its documented default.
double pass_mark() {
  try {
    return load_track().unlock_score;
  } catch (const std::exception&) {
    return RecordsSource{}.pass_mark;
  }
}

std::string plural(int n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

}  // namespace

int run_records(const RecordsOptions& options) {
  RecordsSource source;
  source.data_dir = options.data_dir.empty() ? default_data_dir() : options.data_dir;
  if (source.data_dir.empty()) return fail("no data folder: give --data DIR (HOME is not set)");
  std::error_code ec;
  if (!std::filesystem::is_directory(source.data_dir, ec))
    return fail(quote(source.data_dir, 200) + ": no data folder there (give --data DIR)");
  source.learner = learner_name(options.learner);
  if (!is_account_name(source.learner))
    return fail(std::string(options.learner.empty() ? "$USER" : "--learner") +
                ": the learner's name must be one line of UTF-8 text, at most 200 bytes, got " + quote(source.learner, 60));
  source.pass_mark = pass_mark();

  const LearningRecords gathered = gather_learning_records(source);
  for (const auto& problem : gathered.problems) std::cerr << "perfloop: " << terminal_line(problem) << "\n";
  const bool xapi = options.format == "xapi";
  const std::string text = xapi ? records_xapi_json(gathered.records) : records_csv(gathered.records);

  const bool to_stdout = options.output == "-";
  if (to_stdout) {
    std::cout << text << std::flush;
  } else {
    try {
      write_output_file(options.output, text);
    } catch (const std::exception& e) {
      return fail("could not write the records: " + std::string(e.what()));
    }
  }
  std::cerr << "perfloop: " << plural(static_cast<int>(gathered.records.size()), xapi ? "statement" : "row",
                                      xapi ? "statements" : "rows")
            << " from " << plural(gathered.attempts, "attempt", "attempts") << ", "
            << plural(gathered.reviews, "review", "reviews") << ", " << plural(gathered.gamedays, "game day", "game days")
            << " -> " << (to_stdout ? std::string("standard output") : terminal_line(options.output, 300));
  if (!gathered.problems.empty())
    std::cerr << " (" << plural(static_cast<int>(gathered.problems.size()), "problem", "problems") << " above)";
  std::cerr << "\n";
  return 0;
}

}  // namespace perfloop::cli
