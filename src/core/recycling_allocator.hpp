// An allocator that keeps the blocks it frees on a per-thread free list and hands them
// out again, for objects made and dropped at the message rate in bursts.
//
// Why not leave it to malloc: with history on, a group commit releases thousands of
// messages at once, and the next thousands are made while the commit is written. Such
// bursts overflow jemalloc's per-thread cache (at most 2048 blocks per size, fewer for
// larger sizes), so each burst went to its arenas and back: ~200 more instructions per
// message on the event loop (callgrind, direct messages, 16 in flight per client). A
// free list as long as the burst turns those into a push and a pop.
//
// Single blocks only (allocate(1), what std::allocate_shared asks for); anything else
// goes to operator new. A block freed on another thread joins that thread's list.
// Each thread keeps at most kKeptBlocks per block size; the rest is freed.
#pragma once

#include <cstddef>
#include <new>

namespace hubchat {

namespace detail {

// Plain operator new/delete when the alignment allows (the fast path in malloc).
template <std::size_t Align>
void* new_block(std::size_t size) {
    if constexpr (Align <= __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
        return ::operator new(size);
    } else {
        return ::operator new (size, std::align_val_t{Align});
    }
}
template <std::size_t Align>
void delete_block(void* block) noexcept {
    if constexpr (Align <= __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
        ::operator delete(block);
    } else {
        ::operator delete (block, std::align_val_t{Align});
    }
}

// The free list of one thread for one block size. Its head and count are trivially
// destructible thread_locals, usable until the thread ends, so a block given back late
// in the thread's exit (by some other thread_local's or a static's destructor) is still
// handled; a second thread_local empties the list at thread exit and closes it, after
// which blocks go straight back to the heap.
template <std::size_t Size, std::size_t Align>
class FreeBlocks {
  public:
    static constexpr std::size_t kKeptBlocks = 16384;

    static void* take() {
        List& list = here();
        if (list.head == nullptr) return new_block<Align>(Size);
        Node* node = list.head;
        list.head = node->next;
        --list.count;
        return node;
    }

    static void give(void* block) {
        List& list = here();
        if (list.closed || list.count == kKeptBlocks) {
            delete_block<Align>(block);
            return;
        }
        if (!list.closer_set) {
            thread_local Closer closer;  // constructed here, destroyed at thread exit
            list.closer_set = true;
        }
        list.head = ::new (block) Node{list.head};
        ++list.count;
    }

  private:
    struct Node {
        Node* next;
    };
    static_assert(Size >= sizeof(Node) && Align >= alignof(Node));
    struct List {
        Node* head = nullptr;
        std::size_t count = 0;
        bool closer_set = false;
        bool closed = false;
    };
    struct Closer {
        Closer() = default;
        Closer(const Closer&) = delete;
        Closer& operator=(const Closer&) = delete;
        ~Closer() {
            List& list = here();
            list.closed = true;
            while (list.head != nullptr) {
                Node* next = list.head->next;
                delete_block<Align>(list.head);
                list.head = next;
            }
            list.count = 0;
        }
    };
    static List& here() {
        thread_local constinit List list;
        return list;
    }
};

}  // namespace detail

template <typename T>
class RecyclingAllocator {
  public:
    using value_type = T;

    RecyclingAllocator() noexcept = default;
    template <typename U>
    RecyclingAllocator(const RecyclingAllocator<U>&) noexcept {}  // NOLINT: rebinding

    T* allocate(std::size_t n) {
        if (n != 1) return static_cast<T*>(detail::new_block<kAlign>(n * sizeof(T)));
        return static_cast<T*>(Blocks::take());
    }
    void deallocate(T* block, std::size_t n) noexcept {
        if (n != 1) {
            detail::delete_block<kAlign>(block);
            return;
        }
        Blocks::give(block);
    }

    // Stateless: any one frees what another allocated.
    friend bool operator==(const RecyclingAllocator&, const RecyclingAllocator&) noexcept {
        return true;
    }

  private:
    static constexpr std::size_t kAlign = alignof(T) > alignof(void*) ? alignof(T) : alignof(void*);
    using Blocks =
        detail::FreeBlocks<sizeof(T) < sizeof(void*) ? sizeof(void*) : sizeof(T), kAlign>;
};

}  // namespace hubchat
