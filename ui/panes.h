#pragma once

#include <QStringList>

namespace portcullis {

class Backend;
class MainWindow;

// Creates every pane of the console in navigation order and adds it to the window.
void addAllPanes(MainWindow* window, Backend* backend);
// The names addAllPanes gives them (for --pane), known before anything is opened or signed in to.
QStringList allPaneNames();

} // namespace portcullis
